#pragma once

// Forward declarations of the prometheus-cpp types troupe's metric classes
// hold pointers to, so that their headers need not include prometheus-cpp.
namespace prometheus {
class Registry;
class Collectable;
class Counter;
class Gauge;
class Histogram;
template <class T>
class Family;
} // namespace prometheus
