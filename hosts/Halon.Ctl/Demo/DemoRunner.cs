using System.Diagnostics;
using System.Globalization;
using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Cli;
using Halon.Ctl.Output;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Demo;

/// <summary>
/// <c>halonctl demo</c>: a whole Halon cluster on this machine in a few seconds, narrated for a newcomer. It starts
/// real halond processes on free loopback ports, bootstraps the station and the satellites exactly as an operator
/// would, kills the master with SIGKILL, shows the failover with measured times, restarts the dead node to show
/// autoboot, and removes every process and directory it made, also on Ctrl-C or failure.
/// </summary>
internal sealed class DemoRunner
{
    /// <summary>Bounds each step; on loopback every one of them takes well under a second.</summary>
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How often the failover is observed: fine enough to time it to a few milliseconds.</summary>
    private static readonly TimeSpan s_watchInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>How long one observation waits for a node before it looks at the next one.</summary>
    private static readonly TimeSpan s_watchPatience = TimeSpan.FromMilliseconds(500);

    private readonly int _peerCount;
    private readonly int _satelliteCount;
    private readonly HalondLauncher _launcher;
    private readonly TextWriter _out;
    private readonly TextWriter _nested;
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly List<LocalDaemon> _peers = [];
    private readonly List<LocalDaemon> _satellites = [];

    public DemoRunner(int peerCount, int satelliteCount, HalondLauncher launcher, TextWriter output)
    {
        _peerCount = peerCount;
        _satelliteCount = satelliteCount;
        _launcher = launcher;
        _out = output;
        _nested = new IndentedWriter(output, "    ");
    }

    private PeerSet Station => PeerSet.Create(_peers.Select(p => p.Listen));

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("halon-demo-");
        try
        {
            await StartDaemonsAsync(root.FullName, cancellationToken).ConfigureAwait(false);
            var first = await BootstrapStationAsync(cancellationToken).ConfigureAwait(false);
            await BootstrapSatellitesAsync(cancellationToken).ConfigureAwait(false);
            var steady = await ShowStatusAsync(_peers, first, "4. The station's status, as the master sees it", cancellationToken).ConfigureAwait(false);
            if (_peerCount < 3)
            {
                Say($"5. No failover with {_peerCount} peer{(_peerCount == 1 ? string.Empty : "s")}: a majority of {_peerCount} is {Halon.Core.Quorum.MajorityOf(_peerCount)}, so losing the master");
                Say("   loses quorum and nobody may take over. Run 'halonctl demo --peers 3' to see one.");
            }
            else
            {
                var (killed, second) = await FailoverAsync(steady, cancellationToken).ConfigureAwait(false);
                var survivors = _peers.Where(p => p != killed).ToList();
                var after = await ShowStatusAsync(survivors, second, "6. The station's status after the failover, from the new master", cancellationToken).ConfigureAwait(false);
                SaySatellitesKept(after);
                await AutobootAsync(killed, after, cancellationToken).ConfigureAwait(false);
            }

            Say(string.Empty);
        }
        catch (Exception e) when (e is DemoFailedException or TimeoutException)
        {
            Say(string.Empty);
            await Console.Error.WriteLineAsync($"halonctl demo: {e.Message}").ConfigureAwait(false);
            foreach (var daemon in _peers.Concat(_satellites))
            {
                await Console.Error.WriteLineAsync($"--- last lines of {daemon.Listen}'s log ({daemon.LogPath}):\n{daemon.LogTail(8)}").ConfigureAwait(false);
            }

            return 1;
        }
        finally
        {
            var count = _peers.Count + _satellites.Count;
            foreach (var daemon in _peers.Concat(_satellites))
            {
                daemon.Dispose();
            }

            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A process that refused to die still holds a file; the OS cleans the temp dir eventually.
            }

            Say($"Cleaned up: stopped {count} halond process{(count == 1 ? string.Empty : "es")} and removed {root.FullName}.");
        }

        Say($"Done in {Seconds(_total.Elapsed)}. To run a real cluster, see docs/operations.md: start 'halond' on every node,");
        Say("then run 'halonctl bootstrap station --peers A,B,C --wait' once from anywhere, and 'halonctl status' to look.");
        return 0;
    }

    private async Task StartDaemonsAsync(string root, CancellationToken cancellationToken)
    {
        Say($"Halon demo: a tracking station of {Count(_peerCount, "peer")} and {Count(_satelliteCount, "satellite")}, each a real halond process on 127.0.0.1.");
        Say("Temporary data dirs and logs are under " + root + "; everything is removed at the end.");
        Say(string.Empty);
        var processes = _peerCount + _satelliteCount;
        Say($"1. Starting {processes} halond process{(processes == 1 ? string.Empty : "es")}. halond only listens: it has no role until halonctl gives it one.");
        var ports = FreePorts.Take(_peerCount + _satelliteCount);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < _peerCount + _satelliteCount; i++)
        {
            var isPeer = i < _peerCount;
            var name = isPeer ? $"peer{i + 1}" : $"satellite{i - _peerCount + 1}";
            var listen = NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{ports[i]}"));
            var daemon = new LocalDaemon(_launcher, listen, Path.Combine(root, name), Path.Combine(root, name + ".log"), ["--log-level", "Information"]);
            (isPeer ? _peers : _satellites).Add(daemon);
            daemon.Start();
        }

        await Task.WhenAll(_peers.Concat(_satellites).Select(d => d.WaitListeningAsync(s_stepTimeout, cancellationToken))).ConfigureAwait(false);
        var table = new TextTable("NODE", "WILL BE", "PID", "DATA DIR");
        foreach (var daemon in _peers)
        {
            table.Add(daemon.Listen.Value, "station peer", daemon.ProcessId.ToString(CultureInfo.InvariantCulture), daemon.DataDir);
        }

        foreach (var daemon in _satellites)
        {
            table.Add(daemon.Listen.Value, "satellite", daemon.ProcessId.ToString(CultureInfo.InvariantCulture), daemon.DataDir);
        }

        _nested.WriteLine(table.Render());
        Say($"   All listening after {Millis(clock.Elapsed)} ({_launcher.Display}).");
        Say(string.Empty);
    }

    private async Task<CoordinatorInfo> BootstrapStationAsync(CancellationToken cancellationToken)
    {
        var station = Station;
        Say("2. Bootstrapping the tracking station, as an operator would with one command from anywhere:");
        Say($"     halonctl bootstrap station --peers {station} --wait");
        Say($"   Each peer starts a Recovery Supervisor. The supervisors wait until a majority ({station.Majority} of {station.Count}) answer,");
        Say("   elect a master (Raft, with pre-vote and a leader lease), and the master starts the Recovery Coordinator (RC),");
        Say("   whose epoch is the master's term: every message of the RC carries it, so a stale RC is fenced off.");
        var clock = Stopwatch.StartNew();
        var plan = new BootstrapPlan(BootstrapKind.Station, station, station.Members, "demo", []);
        var runner = new BootstrapRunner(plan, new BootstrapOptions(true, s_stepTimeout, false, TransportSecurity.Insecure), _nested, _nested);
        if (await runner.RunAsync(cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new DemoFailedException("the station did not start a coordinator");
        }

        var coordinator = runner.Final?.Coordinator ?? (await SteadyStationAsync(_peers, cancellationToken).ConfigureAwait(false)).Coordinator;
        Say($"   The station is up {Millis(clock.Elapsed)} after the command: {coordinator.Node} is master and runs the RC with epoch {coordinator.Epoch}.");
        Say(string.Empty);
        return coordinator;
    }

    private async Task BootstrapSatellitesAsync(CancellationToken cancellationToken)
    {
        if (_satellites.Count == 0)
        {
            Say("3. No satellites asked for (--satellites 0).");
            Say(string.Empty);
            return;
        }

        var station = Station;
        var on = _satellites.Select(s => s.Listen).ToList();
        Say("3. Bootstrapping the satellites:");
        Say($"     halonctl bootstrap satellite --station {station} --on {string.Join(',', on)} --wait");
        Say("   Each satellite sends \"node up\" to the station, with back-off, until the RC acknowledges it. The RC first");
        Say("   commits the acknowledgement to the station's replicated log, so no later RC can forget it.");
        var clock = Stopwatch.StartNew();
        var plan = new BootstrapPlan(BootstrapKind.Satellite, station, on, "demo", []);
        var runner = new BootstrapRunner(plan, new BootstrapOptions(true, s_stepTimeout, false, TransportSecurity.Insecure), _nested, _nested);
        if (await runner.RunAsync(cancellationToken).ConfigureAwait(false) != 0)
        {
            throw new DemoFailedException("the satellites were not acknowledged");
        }

        Say($"   {(on.Count == 1 ? "The satellite was" : $"All {on.Count} were")} acknowledged {Millis(clock.Elapsed)} after the command.");
        Say(string.Empty);
    }

    private void SaySatellitesKept(SettledStation station)
    {
        if (_satellites.Count == 0)
        {
            return;
        }

        var kept = _satellites.Count(s => station.Master.Satellites.Any(x => x.Node == s.Listen.Value && x.Acknowledged));
        if (kept != _satellites.Count)
        {
            throw new DemoFailedException($"only {kept} of {_satellites.Count} satellites are acknowledged after the failover");
        }

        Say($"   All {Count(kept, "satellite")} still acknowledged, and none had to announce again: the new RC rebuilt its state");
        Say("   from the station's replicated log, where the old RC had committed each acknowledgement.");
        Say(string.Empty);
    }

    /// <summary>
    /// Shows the status of the master that runs the station now, which may not be the one an earlier step saw: on a
    /// busy machine a stalled heartbeat can cause an election at any time, and the story says so rather than cite an
    /// epoch that is no longer true.
    /// </summary>
    private async Task<SettledStation> ShowStatusAsync(IReadOnlyList<LocalDaemon> peers, CoordinatorInfo expected, string title, CancellationToken cancellationToken)
    {
        var steady = await SteadyStationAsync(peers, cancellationToken).ConfigureAwait(false);
        Say($"{title} (halonctl status --node {steady.Master.Node}):");
        if (steady.Coordinator != expected)
        {
            Say($"   (An election happened since: the coordinator is now on {steady.Coordinator.Node} with epoch {steady.Coordinator.Epoch}, not on {expected.Node}");
            Say($"   with epoch {expected.Epoch}. On a busy machine a late heartbeat is enough; the station took care of it by itself.)");
        }

        _nested.WriteLine(StatusText.Write(steady.Master));
        Say(string.Empty);
        return steady;
    }

    private async Task<(LocalDaemon Killed, CoordinatorInfo Next)> FailoverAsync(SettledStation steady, CancellationToken cancellationToken)
    {
        // Kill the master of this moment: read it again right before, so that the epoch and the time below are the
        // ones of this failover.
        var current = await SteadyStationAsync(_peers, cancellationToken).ConfigureAwait(false);
        var first = current.Coordinator;
        var master = _peers.Single(p => p.Listen.Value == first.Node);
        var survivors = _peers.Where(p => p != master).ToList();
        // The station's own timing, as its master reports it.
        var timing = current.Master.Timing ?? Halon.Core.StationTiming.Legacy;
        var options = Halon.Core.ProtocolOptions.Default.WithTiming(timing);
        Say($"5. Failover: kill -9 the master {master.Listen} (pid {master.ProcessId}, coordinator epoch {first.Epoch}){(first != steady.Coordinator ? ", which an election made master since step 4" : string.Empty)}.");
        Say($"   No shutdown, no goodbye message. The other peers stop hearing its heartbeats (every {Ticks.Format(options.HeartbeatIntervalTicks)}). Its lease");
        Say($"   lapses; after an election timeout of {Ticks.Format(options.ElectionTimeoutTicks)}-{Ticks.Format((2 * options.ElectionTimeoutTicks) - 1)} without a heartbeat, a follower asks for pre-votes, then votes,");
        Say("   and the winner starts a new RC with a higher epoch. Watching the survivors every 5 ms:");
        using var deadline = new Deadline(s_stepTimeout, cancellationToken);
        var sessions = survivors.Select(s => new NodeSession(s.Listen, TransportSecurity.Insecure, deadline)).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            var killedAt = clock.Elapsed;
            master.Kill();
            Event(killedAt, $"SIGKILL sent to {master.Listen}");
            Event(clock.Elapsed, $"{master.Listen} is gone (its process has exited)");
            var noticed = false;
            var campaigned = false;
            while (!deadline.Expired)
            {
                foreach (var session in sessions)
                {
                    var (ok, status) = await session.TryStatusAsync(s_watchPatience).ConfigureAwait(false);
                    if (!ok || status is null)
                    {
                        continue;
                    }

                    var now = clock.Elapsed;
                    // Shown only when seen before the campaign: afterwards it is no news.
                    if (!noticed && !campaigned && status.Peers.FirstOrDefault(p => p.Node == first.Node) is { Reachable: false } gone)
                    {
                        noticed = true;
                        Event(now, $"{status.Node} sees the master gone: {StationProgress.Steady(gone.State)}");
                    }

                    if (!campaigned && status.State == "candidate")
                    {
                        campaigned = true;
                        Event(now, $"{status.Node} campaigns: no heartbeat for an election timeout, so it asks the others for (pre-)votes");
                    }

                    if (status.Coordinator is { } coordinator && coordinator.Node == status.Node && coordinator.Epoch > first.Epoch)
                    {
                        Event(now, $"{status.Node} is master of term {status.Term} and runs the RC with epoch {coordinator.Epoch}");
                        Say($"   New coordinator seen {Millis(now - killedAt)} after the SIGKILL (measured here, polling every {Millis(s_watchInterval)}):");
                        Say($"   {coordinator.Node}, epoch {coordinator.Epoch}; the killed master ran epoch {first.Epoch}.");
                        Say(string.Empty);
                        return (master, coordinator);
                    }
                }

                await deadline.WaitAsync(Task.Delay(s_watchInterval, deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }

            throw new DemoFailedException($"no new coordinator within {s_stepTimeout.TotalSeconds:0} s of killing the master");
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task AutobootAsync(LocalDaemon old, SettledStation station, CancellationToken cancellationToken)
    {
        Say($"7. Autoboot: restart the old master {old.Listen} with its data dir, as systemd would after a reboot, and give");
        Say("   it no command. It reads its role and peer set from disk and rejoins the station as a follower by itself.");
        var clock = Stopwatch.StartNew();
        old.Start();
        using var deadline = new Deadline(s_stepTimeout, cancellationToken);
        await using var session = new NodeSession(old.Listen, TransportSecurity.Insecure, deadline);
        NodeStatus? last = null;
        while (!deadline.Expired)
        {
            var (ok, status) = await session.TryStatusAsync(s_watchPatience).ConfigureAwait(false);
            if (ok && status is not null)
            {
                last = status;
                if (status.Role == "station" && status.State == "follower" && status.Coordinator is { } c && c.Epoch >= station.Coordinator.Epoch)
                {
                    var moved = c == station.Coordinator ? string.Empty : $" (another election since step 6 moved the RC from {station.Coordinator.Node}, epoch {station.Coordinator.Epoch})";
                    Say($"   {old.Listen} is back {Millis(clock.Elapsed)} after the restart: {status.State} of {status.Leader}, which runs the RC with epoch {c.Epoch}{moved}.");
                    return;
                }
            }

            await deadline.WaitAsync(Task.Delay(s_watchInterval, deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }

        throw new DemoFailedException($"{old.Listen} did not rejoin within {s_stepTimeout.TotalSeconds:0} s; last status: {(last is null ? session.LastError : $"{last.Role} {last.State}")}");
    }

    /// <summary>
    /// Waits until the given peers read, in one round of status calls, as a steady station: one master running the
    /// coordinator of its own term and every other peer following it.
    /// </summary>
    private static async Task<SettledStation> SteadyStationAsync(IReadOnlyList<LocalDaemon> peers, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(s_stepTimeout, cancellationToken);
        var sessions = peers.Select(p => new NodeSession(p.Listen, TransportSecurity.Insecure, deadline)).ToList();
        try
        {
            var last = "no answer yet";
            while (!deadline.Expired)
            {
                var views = await Task.WhenAll(sessions.Select(async s => (s, await s.TryStatusAsync(s_watchPatience).ConfigureAwait(false)))).ConfigureAwait(false);
                var statuses = views.Where(v => v.Item2.Ok && v.Item2.Value is not null).Select(v => v.Item2.Value!).ToList();
                if (statuses.Count == peers.Count && statuses.Where(v => v.State == "master").ToList() is [var master]
                    && master.Coordinator is { } coordinator && coordinator.Node == master.Node && coordinator.Epoch == master.Term
                    && statuses.All(v => v == master || (v.State == "follower" && v.Leader == master.Node && v.Coordinator == coordinator)))
                {
                    return new SettledStation(coordinator, master);
                }

                last = string.Join("; ", views.Select(v => v.Item2.Value is { } st ? $"{st.Node} {st.State} term {st.Term}" : v.s.LastError));
                await deadline.WaitAsync(Task.Delay(s_watchInterval, deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }

            throw new DemoFailedException($"the station did not settle on one coordinator within {s_stepTimeout.TotalSeconds:0} s: {last}");
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void Event(TimeSpan at, string what) => _out.WriteLine($"     +{at.TotalMilliseconds,5:0} ms  {what}");

    private void Say(string line) => _out.WriteLine(line);

    private static string Count(int count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Millis(TimeSpan duration) => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms");

    private static string Seconds(TimeSpan duration) => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s");
}
