#pragma once

#include <string_view>

namespace troupe::http {

/// A file of the dashboard's page, compiled into the binary (the build
/// embeds actors/http/dashboard/): nodes often have no way to the internet
/// nor a place to install files.
struct dashboard_asset {
  std::string_view path; // e.g. "/app.js"
  std::string_view content_type;
  std::string_view body;
};

/// The asset served at `path` ("/" is index.html); null when none.
const dashboard_asset* find_dashboard_asset(std::string_view path);

} // namespace troupe::http
