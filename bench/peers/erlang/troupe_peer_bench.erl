%% Erlang/OTP reference figures for troupe's benchmarks, run on this
%% machine: two distributed nodes on loopback.
%%
%%   server node:  troupe_peer_bench:server()
%%   client node:  troupe_peer_bench:client(ServerNode, Calls, Msgs, InFlight,
%%                                          Restarts)
%%
%% The client prints one JSON object per figure: sequential gen_server calls
%% across the nodes, pipelined messages across the nodes with a window of
%% replies, and the time from a supervised child's crash to its replacement
%% answering a call (one_for_one supervisor, local).
-module(troupe_peer_bench).
-behaviour(gen_server).
-export([server/0, client/5]).
-export([init/1, handle_call/3, handle_cast/2, start_link/0, echo_loop/0]).

%% -- the echo gen_server ----------------------------------------------------

start_link() -> gen_server:start_link({local, echo_srv}, ?MODULE, [], []).
init([]) -> {ok, nostate}.
handle_call(X, _From, S) -> {reply, X, S}.
handle_cast(_, S) -> {noreply, S}.

echo_loop() ->
    receive
        {From, X} -> From ! {echo, X}, echo_loop();
        stop -> ok
    end.

%% -- server ------------------------------------------------------------------

server() ->
    {ok, _} = start_link(),
    register(echo_proc, spawn(fun echo_loop/0)),
    receive stop -> ok end.

%% -- client ------------------------------------------------------------------

client(Node, Calls, Msgs, InFlight, Restarts) ->
    %% The restart figure crashes a child thousands of times on purpose:
    %% keep the supervisor's reports off the console.
    logger:set_primary_config(level, none),
    true = net_kernel:connect_node(Node),
    wait_registered(Node, echo_srv, 100),
    wait_registered(Node, echo_proc, 100),
    sequential(Node, Calls),
    pipelined(Node, Msgs, InFlight),
    restarts(Restarts),
    ok.

wait_registered(_Node, Name, 0) -> error({not_registered, Name});
wait_registered(Node, Name, N) ->
    case rpc:call(Node, erlang, whereis, [Name]) of
        Pid when is_pid(Pid) -> ok;
        _ -> timer:sleep(50), wait_registered(Node, Name, N - 1)
    end.

now_us() -> erlang:monotonic_time(microsecond).

percentile(Sorted, P) ->
    N = length(Sorted),
    Rank = min(N, max(1, trunc(P / 100 * N) + 1)),
    lists:nth(Rank, Sorted).

sequential(Node, Calls) ->
    [gen_server:call({echo_srv, Node}, warm) || _ <- lists:seq(1, 200)],
    Start = now_us(),
    Lat = [begin T0 = now_us(), I = gen_server:call({echo_srv, Node}, I),
                 now_us() - T0 end || I <- lists:seq(1, Calls)],
    Secs = (now_us() - Start) / 1.0e6,
    S = lists:sort(Lat),
    io:format("{\"figure\":\"sequential_call\",\"count\":~p,\"per_second\":~.1f,"
              "\"p50_us\":~p,\"p99_us\":~p}~n",
              [Calls, Calls / Secs, percentile(S, 50), percentile(S, 99)]).

pipelined(Node, Msgs, InFlight) ->
    Dest = {echo_proc, Node},
    Start = now_us(),
    First = min(InFlight, Msgs),
    [Dest ! {self(), I} || I <- lists:seq(1, First)],
    pipe_loop(Dest, First, Msgs, Msgs),
    Secs = (now_us() - Start) / 1.0e6,
    io:format("{\"figure\":\"pipelined_messages\",\"count\":~p,\"in_flight\":~p,"
              "\"per_second\":~.1f}~n", [Msgs, InFlight, Msgs / Secs]).

pipe_loop(_Dest, _Sent, _Total, 0) -> ok;
pipe_loop(Dest, Sent, Total, Left) ->
    receive {echo, _} -> ok end,
    case Sent < Total of
        true -> Dest ! {self(), Sent + 1}, pipe_loop(Dest, Sent + 1, Total, Left - 1);
        false -> pipe_loop(Dest, Sent, Total, Left - 1)
    end.

%% A one_for_one supervisor with the echo server as its permanent child;
%% each round kills the child and times until a call to the replacement
%% succeeds.
restarts(N) ->
    process_flag(trap_exit, true),
    {ok, Sup} = supervisor:start_link(troupe_peer_bench_sup, []),
    Lat = [restart_once() || _ <- lists:seq(1, N)],
    S = lists:sort(Lat),
    io:format("{\"figure\":\"restart_to_serving\",\"count\":~p,\"p50_us\":~p,"
              "\"p99_us\":~p}~n", [N, percentile(S, 50), percentile(S, 99)]),
    unlink(Sup),
    exit(Sup, shutdown).

restart_once() ->
    Old = whereis(echo_srv),
    T0 = now_us(),
    exit(Old, kill),
    call_replacement(Old),
    now_us() - T0.

call_replacement(Old) ->
    case whereis(echo_srv) of
        Pid when is_pid(Pid), Pid =/= Old ->
            try gen_server:call(Pid, ping) of ping -> ok
            catch exit:_ -> call_replacement(Old) end;
        _ -> erlang:yield(), call_replacement(Old)
    end.
