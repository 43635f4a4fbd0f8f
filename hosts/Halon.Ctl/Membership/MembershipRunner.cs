using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Addressing;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Cli;
using Halon.Ctl.Output;

namespace Halon.Ctl.Membership;

/// <summary>
/// Runs <c>halonctl station add|remove|replace</c>: finds the station through any of its peers, tells the new node to
/// join it (add, replace), asks the master for the change (following a peer's answer to the master, and asking again
/// while the station has none), and with <c>--wait</c> follows the master's configuration until the change is
/// committed, printing each step. Every request is idempotent, so a lost answer, a change of master or a repeated run
/// is simply asked again. Everything is bounded by the command's <c>--timeout</c>.
/// </summary>
internal sealed class MembershipRunner : IAsyncDisposable
{
    /// <summary>How long one status or command may take before the next node is tried (the deadline bounds it too).</summary>
    private static readonly TimeSpan s_callPatience = TimeSpan.FromSeconds(2);

    /// <summary>Pause before asking again when no master answers, or after a failed call.</summary>
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Least time between two requests of a change that the master's configuration no longer shows.</summary>
    private static readonly TimeSpan s_resendInterval = TimeSpan.FromSeconds(1);

    private readonly MembershipPlan _plan;
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly Dictionary<NodeId, NodeSession> _sessions = [];
    private readonly MembershipReport _report;
    private Deadline? _deadline;

    public MembershipRunner(MembershipPlan plan, TextWriter output, TextWriter error)
    {
        _plan = plan;
        _out = output;
        _err = error;
        _report = new MembershipReport(plan);
    }

    private Deadline Deadline => _deadline ?? throw new InvalidOperationException("not running");

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (_plan.DryRun)
        {
            await _out.WriteLineAsync(_plan.Json ? MembershipPlanPrinter.Json(_plan) : MembershipPlanPrinter.Text(_plan)).ConfigureAwait(false);
            return 0;
        }

        using var deadline = new Deadline(_plan.Timeout, cancellationToken);
        _deadline = deadline;
        await ChangeAsync().ConfigureAwait(false);
        _report.Elapsed = deadline.Elapsed;
        if (_report.Error is { } error)
        {
            await _err.WriteLineAsync($"halonctl: {error}").ConfigureAwait(false);
        }

        await _out.WriteLineAsync(_plan.Json ? _report.Json() : _report.Text()).ConfigureAwait(false);
        return _report.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ChangeAsync()
    {
        var (station, why) = await FindStationAsync().ConfigureAwait(false);
        if (station is null)
        {
            _report.Error = why;
            return;
        }

        _report.ClusterId = station.ClusterId;
        var before = await MasterViewAsync(station).ConfigureAwait(false);
        _report.Before = before.Configuration;
        var configuration = before.Configuration!;
        var voters = PeerSet.Create(configuration.Voters.Select(NodeId.Parse));
        var hint = before.State == "master" ? NodeId.Parse(before.Node) : Parse(before.Leader);
        MembershipResult? result;
        NodeId? master;
        var busy = !configuration.Committed || configuration.Learners.Count > 0 || configuration.Retiring.Count > 0;
        if (_plan.Joining is { } joining && busy)
        {
            // A change is under way: ask first, so that a refusal leaves the new node untouched. If the master takes
            // the request (it is this change, under way or done), the node must have joined: telling it again is a no-op.
            (result, master) = await AskMasterAsync(hint, voters).ConfigureAwait(false);
            if (result is null || !result.Succeeded || !await JoinAsync(joining, station.ClusterId!, station.Timing!, voters).ConfigureAwait(false))
            {
                Refused(result, master);
                return;
            }
        }
        else
        {
            if (_plan.Joining is { } node && !await JoinAsync(node, station.ClusterId!, station.Timing!, voters).ConfigureAwait(false))
            {
                return;
            }

            (result, master) = await AskMasterAsync(hint, voters).ConfigureAwait(false);
            if (result is null || !result.Succeeded)
            {
                Refused(result, master);
                return;
            }
        }

        if (_plan.Wait && result.Outcome != MembershipOutcome.AlreadyDone)
        {
            await WaitAsync(master!, voters).ConfigureAwait(false);
            return;
        }

        // Show the configuration the change left on the master (or, already done, the one in force).
        var (ok, after) = await Session(master!).TryStatusAsync(s_callPatience).ConfigureAwait(false);
        if (ok && after?.Configuration is { } now)
        {
            _report.After = now;
            _report.Coordinator = after.Coordinator;
            _report.Done = ChangeProgress.Evaluate(_plan.Change, now).Done;
        }
        else
        {
            _report.Done = result.Outcome == MembershipOutcome.AlreadyDone;
        }
    }

    private void Refused(MembershipResult? result, NodeId? master)
    {
        if (result is { Succeeded: false })
        {
            _report.Error ??= $"refused by the master {master}: {result.Message}";
        }
    }

    /// <summary>
    /// The status of a peer of the station, asking every entry at once, again while some do not answer (they may be
    /// restarting); or null with the reasons when every entry answered and none is a peer of a station.
    /// </summary>
    private async Task<(NodeStatus? Station, string Why)> FindStationAsync()
    {
        var printed = false;
        while (true)
        {
            var views = await PollAsync(_plan.Entries).ConfigureAwait(false);
            if (views.FirstOrDefault(v => IsPeer(v.Status)) is { Status: { } station })
            {
                return (station, string.Empty);
            }

            var reasons = string.Join("; ", views.Select(v => v.Status is { } status ? NotAPeer(v.Target, status) : v.Error ?? $"{v.Target}: no answer"));
            if (views.All(v => v.Status is not null))
            {
                return (null, $"no node given ({_plan.Source}) is a peer of a station: {reasons}");
            }

            if (Deadline.Expired)
            {
                return (null, $"no peer of the station answered within {Deadline.TimeoutText}: {reasons}");
            }

            if (!printed)
            {
                await _err.WriteLineAsync($"halonctl: {reasons}; trying again until the timeout ({Deadline.TimeoutText})").ConfigureAwait(false);
                printed = true;
            }

            await PauseAsync().ConfigureAwait(false);
        }
    }

    private static bool IsPeer(NodeStatus? status) =>
        status is { Role: "station", LeftStation: false, Configuration.Voters.Count: > 0, ClusterId: not null, Timing: not null } && status.State != "removed";

    private static string NotAPeer(NodeId target, NodeStatus status) => status switch
    {
        { Role: "none" } => $"{target} has no role (not bootstrapped)",
        { Role: "satellite" } => $"{target} is a satellite, not a peer",
        { Role: "station" } when status.LeftStation || status.State == "removed" => $"{target} left its station (state removed)",
        _ => $"{target} does not report a station configuration (an older halond?)",
    };

    /// <summary>The master's own status when the peer names one that answers, else the peer's.</summary>
    private async Task<NodeStatus> MasterViewAsync(NodeStatus station)
    {
        if (station.State == "master" || Parse(station.Leader) is not { } leader)
        {
            return station;
        }

        var (ok, view) = await Session(leader).TryStatusAsync(s_callPatience).ConfigureAwait(false);
        return ok && IsPeer(view) && view!.State == "master" ? view : station;
    }

    /// <summary>Tells <paramref name="node"/> to join the station; false (with the error set) when it refused or never answered.</summary>
    private async Task<bool> JoinAsync(NodeId node, string clusterId, StationTiming timing, PeerSet contacts)
    {
        var session = Session(node);
        var printed = false;
        while (true)
        {
            var (ok, result) = await session.TryCallAsync("join", (client, token) => client.JoinStationAsync(clusterId, timing, contacts, token), s_callPatience).ConfigureAwait(false);
            if (ok)
            {
                _report.Join = result;
                if (!result!.Succeeded)
                {
                    _report.Error = $"{node} refused to join station {clusterId}: {result.Message}";
                    return false;
                }

                return true;
            }

            if (Deadline.Expired)
            {
                _report.Error = $"{node}, the node to add, did not answer within {Deadline.TimeoutText}: {session.LastError}; start halond there (with no role, or its data dir emptied) and run this again";
                return false;
            }

            if (!printed)
            {
                await _err.WriteLineAsync($"halonctl: {session.LastError}; trying again until the timeout ({Deadline.TimeoutText})").ConfigureAwait(false);
                printed = true;
            }

            await PauseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks for the change, starting at <paramref name="hint"/>: a peer that is not the coordinator names the master
    /// it knows, which is asked next; one that knows none, or does not answer, sends halonctl on to the next voter
    /// after a pause. Returns the first answer that is no redirection, or null (error set) at the deadline.
    /// </summary>
    private async Task<(MembershipResult? Result, NodeId? Master)> AskMasterAsync(NodeId? hint, PeerSet voters)
    {
        var next = 0;
        var target = hint ?? voters.Members[0];
        var hops = 0;
        string? printed = null;
        string lastError = "no answer";
        while (!Deadline.Expired)
        {
            var session = Session(target);
            var (ok, result) = await session.TryCallAsync("change", (client, token) => client.ChangeStationAsync(_plan.Change, token), s_callPatience).ConfigureAwait(false);
            if (ok && result!.Outcome is not (MembershipOutcome.NotCoordinator or MembershipOutcome.NotStation))
            {
                _report.Result = result;
                _report.Master = target.Value;
                return (result, target);
            }

            lastError = ok ? $"{target}: {result!.Message}" : session.LastError ?? $"{target}: no answer";
            if (ok && result!.Master is { } master && !master.Equals(target) && hops++ < Limits.PeersMax)
            {
                target = master; // Follow the hint at once: it names the master this peer follows.
                continue;
            }

            hops = 0;
            if (!(ok && result!.Master is { } self && self.Equals(target)))
            {
                // This peer knows no master, or did not answer: the next voter. (A master whose coordinator is not
                // running yet is asked again after the pause.)
                target = voters.Members[next++ % voters.Count];
            }

            if (lastError != printed)
            {
                await _err.WriteLineAsync($"halonctl: {lastError}; asking again until the timeout ({Deadline.TimeoutText})").ConfigureAwait(false);
                printed = lastError;
            }

            await PauseAsync().ConfigureAwait(false);
        }

        _report.Error = $"no coordinator took the change within {Deadline.TimeoutText}: {lastError}";
        return (null, null);
    }

    /// <summary>
    /// Follows the change on the master's configuration until it is committed with no work left, printing each new
    /// step on stderr. The master is whichever peer answers as master running the coordinator (it may change, or be the
    /// node removed). A change the configuration no longer shows is asked for again.
    /// </summary>
    private async Task WaitAsync(NodeId master, PeerSet voters)
    {
        var nodes = voters.Members.ToList();
        if (_plan.Joining is { } joining && !nodes.Contains(joining))
        {
            nodes.Add(joining);
        }

        string? printed = null;
        var resentAt = Deadline.Elapsed;
        while (true)
        {
            var views = await PollAsync(nodes).ConfigureAwait(false);
            var masterView = views.Select(v => v.Status)
                .Where(s => s is { State: "master", Configuration: not null } && s.Coordinator?.Node == s.Node)
                .MaxBy(s => s!.Term);
            var line = "no peer answers as master running the coordinator yet";
            if (masterView is not null)
            {
                var progress = ChangeProgress.Evaluate(_plan.Change, masterView.Configuration!);
                _report.After = masterView.Configuration;
                _report.Coordinator = masterView.Coordinator;
                _report.Master = masterView.Node;
                if (progress.Done)
                {
                    _report.Done = true;
                    _report.LeavingNode = LeavingNodeLine(views);
                    return;
                }

                line = progress.Line;
                if (progress.Lost && Deadline.Elapsed - resentAt >= s_resendInterval)
                {
                    resentAt = Deadline.Elapsed;
                    var (again, _) = await AskMasterAsync(NodeId.Parse(masterView.Node), voters).ConfigureAwait(false);
                    if (again is null || !again.Succeeded)
                    {
                        _report.Error ??= $"asked again, the master refused: {again?.Message}";
                        return;
                    }
                }
            }

            if (line != printed)
            {
                await _err.WriteLineAsync($"[{Durations.Format(TimeSpan.FromMilliseconds(Math.Round(Deadline.Elapsed.TotalMilliseconds / 100) * 100))}] {line}").ConfigureAwait(false);
                printed = line;
            }

            if (Deadline.Expired)
            {
                _report.Error = $"timed out after {Deadline.TimeoutText}; still under way: {line} (the change goes on without halonctl; repeat the command to follow it)";
                return;
            }

            await Deadline.WaitAsync(Task.Delay(PollInterval(), Deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
    }

    /// <summary>What the node that left says of itself, when it answers.</summary>
    private string? LeavingNodeLine(IReadOnlyList<NodeView> views)
    {
        if (_plan.Leaving is not { } leaving)
        {
            return null;
        }

        var view = views.FirstOrDefault(v => v.Target.Equals(leaving));
        return view?.Status switch
        {
            { State: "removed" } => $"{leaving} left the station: it shows state removed, its supervisor stopped",
            { } status => $"{leaving} answers in state {status.State}; it stops its supervisor once it hears of the committed change",
            null => $"{leaving} does not answer ({view?.Error ?? "not asked"}); it is out of the station: restarted with its data dir it stops once it hears of the change, and with an empty one it has no role",
        };
    }

    /// <summary>
    /// Poll briskly at first, when a change on a LAN is done, and more gently later: each round asks every peer, and
    /// the master answers on its loop.
    /// </summary>
    private TimeSpan PollInterval() => Deadline.Elapsed switch
    {
        var e when e < TimeSpan.FromSeconds(2) => TimeSpan.FromMilliseconds(50),
        var e when e < TimeSpan.FromSeconds(10) => TimeSpan.FromMilliseconds(100),
        _ => TimeSpan.FromMilliseconds(250),
    };

    private async Task<IReadOnlyList<NodeView>> PollAsync(IReadOnlyList<NodeId> nodes)
    {
        var asks = nodes.Select(async node =>
        {
            var session = Session(node);
            var (ok, status) = await session.TryStatusAsync(s_callPatience).ConfigureAwait(false);
            return new NodeView(node, ok ? status : null, ok ? null : session.LastError);
        });
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }

    private NodeSession Session(NodeId node)
    {
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(node, out var session))
            {
                session = new NodeSession(node, _plan.Security, Deadline);
                _sessions[node] = session;
            }

            return session;
        }
    }

    private async Task PauseAsync() => await Deadline.WaitAsync(Task.Delay(s_retryPause, Deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);

    private static NodeId? Parse(string? node) => node is not null && NodeId.TryParse(node, out var id, out _) ? id : null;
}
