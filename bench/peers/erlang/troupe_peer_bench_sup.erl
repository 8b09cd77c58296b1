%% The supervisor of troupe_peer_bench's restart figure: one_for_one, with a
%% generous intensity so that the benchmark's deliberate crashes never
%% escalate.
-module(troupe_peer_bench_sup).
-behaviour(supervisor).
-export([init/1]).

init([]) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000, period => 1},
          [#{id => echo_srv, start => {troupe_peer_bench, start_link, []},
             restart => permanent}]}}.
