from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

BAD_INPUT: JobStatus
BREAKER_OPEN: JobStatus
BREAKER_STATE_UNSPECIFIED: BreakerState
CACHE_BYPASS: CacheMode
CACHE_DEFAULT: CacheMode
CACHE_REFRESH: CacheMode
CANCELLED: JobStatus
CLOSED: BreakerState
DESCRIPTOR: _descriptor.FileDescriptor
DOWN: MemberStatus
FORCED_CLOSED: BreakerState
FORCED_OPEN: BreakerState
HALF_OPEN: BreakerState
INTERNAL: JobStatus
JOB_STATUS_UNSPECIFIED: JobStatus
JOINING: MemberStatus
LEAVING: MemberStatus
MEMBER_STATUS_UNSPECIFIED: MemberStatus
NODE_LOST: JobStatus
OK: JobStatus
OPEN: BreakerState
OVERLOADED: JobStatus
SEVERITY_CRITICAL: Severity
SEVERITY_INFO: Severity
SEVERITY_UNSPECIFIED: Severity
SEVERITY_WARNING: Severity
SKILL_ERROR: JobStatus
TIMEOUT: JobStatus
UNKNOWN_SKILL: JobStatus
UP: MemberStatus

class Alert(_message.Message):
    __slots__ = ["age_ms", "message", "rule", "severity", "subject"]
    AGE_MS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    age_ms: int
    message: str
    rule: str
    severity: Severity
    subject: str
    def __init__(self, severity: _Optional[_Union[Severity, str]] = ..., rule: _Optional[str] = ..., subject: _Optional[str] = ..., message: _Optional[str] = ..., age_ms: _Optional[int] = ...) -> None: ...

class BreakerRequest(_message.Message):
    __slots__ = ["action", "skill"]
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FORCE_CLOSE: BreakerRequest.Action
    FORCE_OPEN: BreakerRequest.Action
    RESET: BreakerRequest.Action
    SHOW: BreakerRequest.Action
    SKILL_FIELD_NUMBER: _ClassVar[int]
    action: BreakerRequest.Action
    skill: str
    def __init__(self, skill: _Optional[str] = ..., action: _Optional[_Union[BreakerRequest.Action, str]] = ...) -> None: ...

class BreakerStatus(_message.Message):
    __slots__ = ["calls", "enabled", "failure_rate", "failure_rate_threshold", "failures", "fallback", "fallbacks", "half_open_calls", "minimum_calls", "rejected", "retries", "skill", "slow_call_rate", "slow_call_rate_threshold", "slow_calls", "state", "trial_calls", "trips", "until_half_open_ms"]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    FAILURE_RATE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_RATE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FALLBACKS_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    HALF_OPEN_CALLS_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_CALLS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    SLOW_CALLS_FIELD_NUMBER: _ClassVar[int]
    SLOW_CALL_RATE_FIELD_NUMBER: _ClassVar[int]
    SLOW_CALL_RATE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_CALLS_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_HALF_OPEN_MS_FIELD_NUMBER: _ClassVar[int]
    calls: int
    enabled: bool
    failure_rate: float
    failure_rate_threshold: float
    failures: int
    fallback: str
    fallbacks: int
    half_open_calls: int
    minimum_calls: int
    rejected: int
    retries: int
    skill: str
    slow_call_rate: float
    slow_call_rate_threshold: float
    slow_calls: int
    state: BreakerState
    trial_calls: int
    trips: int
    until_half_open_ms: int
    def __init__(self, skill: _Optional[str] = ..., enabled: bool = ..., state: _Optional[_Union[BreakerState, str]] = ..., calls: _Optional[int] = ..., failures: _Optional[int] = ..., slow_calls: _Optional[int] = ..., failure_rate: _Optional[float] = ..., slow_call_rate: _Optional[float] = ..., minimum_calls: _Optional[int] = ..., failure_rate_threshold: _Optional[float] = ..., slow_call_rate_threshold: _Optional[float] = ..., until_half_open_ms: _Optional[int] = ..., trial_calls: _Optional[int] = ..., half_open_calls: _Optional[int] = ..., trips: _Optional[int] = ..., rejected: _Optional[int] = ..., fallbacks: _Optional[int] = ..., retries: _Optional[int] = ..., fallback: _Optional[str] = ...) -> None: ...

class CacheStatus(_message.Message):
    __slots__ = ["budget", "bypassed", "bytes", "coalesced", "entries", "evicted_size", "evicted_ttl", "hits", "in_flight", "misses", "refresh_aheads", "refreshed", "rejected_admission", "rejected_too_large", "shards", "skills"]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    BYPASSED_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    COALESCED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    EVICTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    EVICTED_TTL_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    REFRESHED_FIELD_NUMBER: _ClassVar[int]
    REFRESH_AHEADS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_ADMISSION_FIELD_NUMBER: _ClassVar[int]
    REJECTED_TOO_LARGE_FIELD_NUMBER: _ClassVar[int]
    SHARDS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    budget: int
    bypassed: int
    bytes: int
    coalesced: int
    entries: int
    evicted_size: int
    evicted_ttl: int
    hits: int
    in_flight: int
    misses: int
    refresh_aheads: int
    refreshed: int
    rejected_admission: int
    rejected_too_large: int
    shards: int
    skills: _containers.RepeatedCompositeFieldContainer[SkillHits]
    def __init__(self, shards: _Optional[int] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ..., coalesced: _Optional[int] = ..., bypassed: _Optional[int] = ..., refreshed: _Optional[int] = ..., entries: _Optional[int] = ..., bytes: _Optional[int] = ..., budget: _Optional[int] = ..., evicted_size: _Optional[int] = ..., evicted_ttl: _Optional[int] = ..., rejected_admission: _Optional[int] = ..., rejected_too_large: _Optional[int] = ..., refresh_aheads: _Optional[int] = ..., in_flight: _Optional[int] = ..., skills: _Optional[_Iterable[_Union[SkillHits, _Mapping]]] = ...) -> None: ...

class CancelReply(_message.Message):
    __slots__ = ["cancelled"]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    cancelled: int
    def __init__(self, cancelled: _Optional[int] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ["ids"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CrashReply(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class CrashRequest(_message.Message):
    __slots__ = ["target"]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: str
    def __init__(self, target: _Optional[str] = ...) -> None: ...

class DrainReply(_message.Message):
    __slots__ = ["in_flight", "message"]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    in_flight: int
    message: str
    def __init__(self, in_flight: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class DrainRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetResultRequest(_message.Message):
    __slots__ = ["id", "wait_ms"]
    ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    id: str
    wait_ms: int
    def __init__(self, id: _Optional[str] = ..., wait_ms: _Optional[int] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Job(_message.Message):
    __slots__ = ["cache", "idempotency_key", "input", "input_bytes", "max_attempts", "priority", "ref", "skill", "tag", "timeout_ms", "trace"]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    INPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    cache: CacheMode
    idempotency_key: str
    input: str
    input_bytes: bytes
    max_attempts: int
    priority: int
    ref: int
    skill: str
    tag: str
    timeout_ms: int
    trace: int
    def __init__(self, skill: _Optional[str] = ..., input: _Optional[str] = ..., input_bytes: _Optional[bytes] = ..., ref: _Optional[int] = ..., tag: _Optional[str] = ..., timeout_ms: _Optional[int] = ..., priority: _Optional[int] = ..., cache: _Optional[_Union[CacheMode, str]] = ..., max_attempts: _Optional[int] = ..., trace: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class JobBatch(_message.Message):
    __slots__ = ["cancel", "jobs"]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    JOBS_FIELD_NUMBER: _ClassVar[int]
    cancel: _containers.RepeatedScalarFieldContainer[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., cancel: _Optional[_Iterable[int]] = ...) -> None: ...

class JobCount(_message.Message):
    __slots__ = ["count", "skill", "status"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    count: int
    skill: str
    status: JobStatus
    def __init__(self, skill: _Optional[str] = ..., status: _Optional[_Union[JobStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class JobResult(_message.Message):
    __slots__ = ["attempts", "cache_hit", "error", "fallback", "id", "node", "output", "output_bytes", "queue_us", "ref", "retry_after_ms", "run_us", "skill", "status", "tag"]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CACHE_HIT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    QUEUE_US_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    RUN_US_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    cache_hit: bool
    error: str
    fallback: str
    id: str
    node: str
    output: str
    output_bytes: bytes
    queue_us: int
    ref: int
    retry_after_ms: int
    run_us: int
    skill: str
    status: JobStatus
    tag: str
    def __init__(self, id: _Optional[str] = ..., ref: _Optional[int] = ..., tag: _Optional[str] = ..., status: _Optional[_Union[JobStatus, str]] = ..., output: _Optional[str] = ..., output_bytes: _Optional[bytes] = ..., error: _Optional[str] = ..., skill: _Optional[str] = ..., node: _Optional[str] = ..., queue_us: _Optional[int] = ..., run_us: _Optional[int] = ..., cache_hit: bool = ..., attempts: _Optional[int] = ..., fallback: _Optional[str] = ..., retry_after_ms: _Optional[int] = ...) -> None: ...

class JobState(_message.Message):
    __slots__ = ["done", "id", "result"]
    DONE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    done: bool
    id: str
    result: JobResult
    def __init__(self, id: _Optional[str] = ..., done: bool = ..., result: _Optional[_Union[JobResult, _Mapping]] = ...) -> None: ...

class JobTicket(_message.Message):
    __slots__ = ["existing", "id", "tag"]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    existing: bool
    id: str
    tag: str
    def __init__(self, id: _Optional[str] = ..., tag: _Optional[str] = ..., existing: bool = ...) -> None: ...

class ListSkillsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Member(_message.Message):
    __slots__ = ["address", "health", "incarnation", "jobs_per_second", "name", "skills", "status"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    INCARNATION_FIELD_NUMBER: _ClassVar[int]
    JOBS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    address: str
    health: int
    incarnation: int
    jobs_per_second: float
    name: str
    skills: _containers.RepeatedCompositeFieldContainer[SkillLoad]
    status: MemberStatus
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., incarnation: _Optional[int] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., skills: _Optional[_Iterable[_Union[SkillLoad, _Mapping]]] = ..., jobs_per_second: _Optional[float] = ..., health: _Optional[int] = ...) -> None: ...

class NodeStatus(_message.Message):
    __slots__ = ["address", "alerts", "breakers", "cache", "cluster_address", "counts", "draining", "health_score", "in_flight", "members", "name", "restarts", "skills", "uptime_ms", "version"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    BREAKERS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    HEALTH_SCORE_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    UPTIME_MS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    address: str
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    breakers: _containers.RepeatedCompositeFieldContainer[BreakerStatus]
    cache: CacheStatus
    cluster_address: str
    counts: _containers.RepeatedCompositeFieldContainer[JobCount]
    draining: bool
    health_score: int
    in_flight: int
    members: _containers.RepeatedCompositeFieldContainer[Member]
    name: str
    restarts: _containers.RepeatedCompositeFieldContainer[RestartCount]
    skills: _containers.RepeatedCompositeFieldContainer[SkillInfo]
    uptime_ms: int
    version: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., version: _Optional[str] = ..., uptime_ms: _Optional[int] = ..., skills: _Optional[_Iterable[_Union[SkillInfo, _Mapping]]] = ..., counts: _Optional[_Iterable[_Union[JobCount, _Mapping]]] = ..., in_flight: _Optional[int] = ..., members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., cache: _Optional[_Union[CacheStatus, _Mapping]] = ..., breakers: _Optional[_Iterable[_Union[BreakerStatus, _Mapping]]] = ..., health_score: _Optional[int] = ..., alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., restarts: _Optional[_Iterable[_Union[RestartCount, _Mapping]]] = ..., draining: bool = ..., cluster_address: _Optional[str] = ...) -> None: ...

class RestartCount(_message.Message):
    __slots__ = ["child", "restarts", "supervisor"]
    CHILD_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    SUPERVISOR_FIELD_NUMBER: _ClassVar[int]
    child: str
    restarts: int
    supervisor: str
    def __init__(self, supervisor: _Optional[str] = ..., child: _Optional[str] = ..., restarts: _Optional[int] = ...) -> None: ...

class ResultBatch(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[JobResult]
    def __init__(self, results: _Optional[_Iterable[_Union[JobResult, _Mapping]]] = ...) -> None: ...

class SkillHits(_message.Message):
    __slots__ = ["hits", "misses", "skill"]
    HITS_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    hits: int
    misses: int
    skill: str
    def __init__(self, skill: _Optional[str] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ...) -> None: ...

class SkillInfo(_message.Message):
    __slots__ = ["blocking", "busy", "cached", "description", "idempotent", "idle", "in_flight", "kind", "max_workers", "min_workers", "name", "queue_capacity", "queued", "starting", "version", "worker_restarts", "workers"]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENT_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_WORKERS_FIELD_NUMBER: _ClassVar[int]
    MIN_WORKERS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    STARTING_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    WORKER_RESTARTS_FIELD_NUMBER: _ClassVar[int]
    blocking: bool
    busy: int
    cached: bool
    description: str
    idempotent: bool
    idle: int
    in_flight: int
    kind: str
    max_workers: int
    min_workers: int
    name: str
    queue_capacity: int
    queued: int
    starting: int
    version: str
    worker_restarts: int
    workers: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[str] = ..., idempotent: bool = ..., cached: bool = ..., workers: _Optional[int] = ..., busy: _Optional[int] = ..., idle: _Optional[int] = ..., starting: _Optional[int] = ..., min_workers: _Optional[int] = ..., max_workers: _Optional[int] = ..., queued: _Optional[int] = ..., queue_capacity: _Optional[int] = ..., in_flight: _Optional[int] = ..., worker_restarts: _Optional[int] = ..., blocking: bool = ...) -> None: ...

class SkillList(_message.Message):
    __slots__ = ["skills"]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    skills: _containers.RepeatedCompositeFieldContainer[SkillInfo]
    def __init__(self, skills: _Optional[_Iterable[_Union[SkillInfo, _Mapping]]] = ...) -> None: ...

class SkillLoad(_message.Message):
    __slots__ = ["busy", "cached", "idempotent", "name", "queued", "version", "workers"]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    busy: int
    cached: bool
    idempotent: bool
    name: str
    queued: int
    version: str
    workers: int
    def __init__(self, name: _Optional[str] = ..., workers: _Optional[int] = ..., busy: _Optional[int] = ..., queued: _Optional[int] = ..., idempotent: bool = ..., cached: bool = ..., version: _Optional[str] = ...) -> None: ...

class WatchStatusRequest(_message.Message):
    __slots__ = ["interval_ms"]
    INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    interval_ms: int
    def __init__(self, interval_ms: _Optional[int] = ...) -> None: ...

class JobStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CacheMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MemberStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class BreakerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
