using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Daemon.Metrics;
using Halon.Daemon.Storage;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Connections;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>
/// One halond: the data dir, the protocol core and the TCP transport, driven by one loop on a thread of its own (a
/// starved thread pool must not delay ticks). The loop is the only code that touches the node: it issues due ticks,
/// steps received messages, runs halonctl's commands, and drains the node's outputs in order: persist (durably), log
/// the effects, send the messages, advance. It drains once per loop turn, not once per input (group commit): every
/// input already queued, up to <see cref="EventsPerTurnMax"/>, is stepped first, so one durable write covers them all,
/// and nothing they produced is sent before it. A control command drains before its reply; catch-up ticks after a
/// stall drain one by one, as before. With nothing to do it sleeps until the node's
/// next timer (<see cref="HalonNode.TicksUntilNextTimer"/>) or the next event, and on waking issues the ticks that
/// fell due in one burst before any message, exactly as after a stall. It tells systemd it is alive from the loop.
/// </summary>
internal sealed class HalonDaemon : IAsyncDisposable
{
    /// <summary>
    /// Events stepped per loop turn, and so into one durable write: the bound on how long a turn holds its batch
    /// before the loop drains it, looks at the clock and tells the watchdog it lives.
    /// </summary>
    private const int EventsPerTurnMax = 256;

    /// <summary>
    /// Messages a batch may hold before the loop drains it early, well under the core's bound
    /// (<see cref="Limits.ReadyMessagesMax"/>) whatever the next input produces.
    /// </summary>
    private const int BatchMessagesMax = Limits.ReadyMessagesMax / 4;

    /// <summary>A jump of more ticks than this at once is logged as a stall.</summary>
    private const long StallTicksMin = 50;

    private readonly DaemonSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LogThrottle _dropThrottle = new(TimeSpan.FromSeconds(10));
    private readonly StallReport _stalls = new(TimeSpan.FromMinutes(1));
    private readonly AcknowledgementLog _acknowledgements = new();
    private readonly DaemonMetrics _metrics;
    private MetricsEndpoint? _metricsEndpoint;
    private long _watchdogSentAt;

    /// <summary>Messages and commands stepped since the last drain (ticks not counted): the size of the batch to persist.</summary>
    private int _inputsSinceDrain;
    private DataDirectory? _dataDir;
    private HalonNode? _node;
    private TcpTransport? _transport;
    private TickClock? _clock;

    public HalonDaemon(DaemonSettings settings, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _settings = settings;
        _logger = loggerFactory.CreateLogger("halond");
        _time = time;
        _metrics = new DaemonMetrics(() => _transport?.Counters);
    }

    /// <summary>The metrics endpoint's URL, or null when <c>--metrics-listen</c> was not given.</summary>
    public string? MetricsUrl => _metricsEndpoint?.Url;

    /// <summary>Tests only: the data dir (after <see cref="Start"/>).</summary>
    internal DataDirectory DataDir => _dataDir ?? throw new InvalidOperationException("the daemon is not started");

    /// <summary>The node's id.</summary>
    public NodeId NodeId => _settings.NodeId;

    /// <summary>Where the transport listens (after <see cref="Start"/>).</summary>
    public IPEndPoint LocalEndPoint => Transport.LocalEndPoint;

    /// <summary>The transport (after <see cref="Start"/>).</summary>
    public TcpTransport Transport => _transport ?? throw new InvalidOperationException("the daemon is not started");

    /// <summary>
    /// Opens the data dir, builds the node from it, and listens. Returns once the node accepts connections (the moment
    /// to tell systemd READY=1; never wait for quorum). Throws <see cref="DaemonStartException"/>.
    /// </summary>
    public void Start()
    {
        WarmUp.Run();
        _dataDir = OpenDataDir();
        _node = CreateNode(_dataDir);
        var state = _dataDir.State;
        if (state.Role.Role == NodeRole.None)
        {
            DaemonLog.ListenMode(_logger, NodeId, _dataDir.Path);
        }
        else
        {
            DaemonLog.Resuming(_logger, NodeId, state.Role.Role, _dataDir.Path, state.HardState.Term, state.Log.Count, state.HardState.CommitIndex);
        }

        var transport = new TcpTransport(_settings.TransportOptions(), _logger);
        try
        {
            transport.Start();
        }
        catch (SocketException e)
        {
            throw new DaemonStartException($"cannot listen on {_settings.Listen}{(_settings.TransportOptions().Datagrams ? " (TCP, and UDP for datagrams; --no-datagrams needs only TCP)" : string.Empty)}: {e.Message}", e);
        }

        _transport = transport;
        _clock = new TickClock(_time, DaemonSettings.TickInterval);
        var endPoint = transport.LocalEndPoint.ToString();
        var security = _settings.Security.Describe();
        DaemonLog.Listening(_logger, NodeId, endPoint, security);
        var datagrams = transport.DatagramEndPoint is { } udp
            ? $"heartbeats and votes also travel as datagrams on UDP {udp}"
            : "datagrams off (--no-datagrams): heartbeats and votes travel on TCP only";
        var peerTimeout = ((long)_settings.PeerTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms";
        DaemonLog.PeerNetwork(_logger, NodeId, datagrams, peerTimeout);
        if (_settings.Security.Mode == SecurityMode.Insecure && _settings.Insecure)
        {
            DaemonLog.Insecure(_logger, NodeId, endPoint);
        }

        foreach (var warning in _settings.SecurityWarnings)
        {
            DaemonLog.KeyFileWarning(_logger, NodeId, warning);
        }

        if (_settings.MetricsListen is { } metricsListen)
        {
            _metricsEndpoint = MetricsEndpoint.Start(metricsListen);
            DaemonLog.MetricsListening(_logger, NodeId, _metricsEndpoint.Url);
        }

        _metrics.Observe(_node);
        _settings.Notifier.Ready();
    }

    /// <summary>
    /// Starts the loop on its own thread and returns a task that completes when the loop ends: when
    /// <paramref name="cancellationToken"/> fires, or faulted with <see cref="DaemonFatalException"/> when the node must stop.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var node = _node ?? throw new InvalidOperationException("the daemon is not started");
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(node, cancellationToken);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "halond loop",
        };
        thread.Start();
        return done.Task;
    }

    private void Run(HalonNode node, CancellationToken cancellationToken)
    {
        var transport = Transport;
        var clock = _clock!;
        var events = transport.Events;
        var wake = new[] { transport.EventWritten, cancellationToken.WaitHandle };
        Guard(() => DrainReady(node)); // The constructor's outputs: a resumed satellite's new incarnation, for one.
        _metrics.Observe(node);
        var caughtUpAt = clock.DueIndex; // The tick by which the loop meant to be back; later than that is a stall.
        while (!cancellationToken.IsCancellationRequested)
        {
            caughtUpAt = IssueDueTicks(node, clock, caughtUpAt);
            var handled = 0;
            while (handled < EventsPerTurnMax && events.TryRead(out var transportEvent))
            {
                caughtUpAt = IssueDueTicks(node, clock, caughtUpAt);
                Guard(() => Handle(node, transportEvent));
                handled++;
                if (node.PendingMessageCount >= BatchMessagesMax)
                {
                    Guard(() => DrainReady(node));
                }
            }

            // One durable write for every input of the turn, then their effects and messages.
            Guard(() => DrainReady(node));
            _metrics.Observe(node);
            NotifyWatchdog();
            if (handled > 0)
            {
                continue;
            }

            if (events.Completion.IsCompleted)
            {
                break;
            }

            // Sleep until the node's next timer is due or an event arrives, and at least once per idle-wake interval.
            var idleTicks = Math.Max(1, _settings.IdleWakeInterval.Ticks / DaemonSettings.TickInterval.Ticks);
            var wakeTick = clock.Issued + Math.Min(node.TicksUntilNextTimer, idleTicks);
            caughtUpAt = Math.Max(caughtUpAt, wakeTick);
            WaitHandle.WaitAny(wake, clock.UntilTick(wakeTick));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }

        _dataDir?.Dispose();
        _metricsEndpoint?.Dispose();
        _metrics.Dispose();
        if (_node is not null)
        {
            DaemonLog.Stopped(_logger, NodeId);
        }
    }

    private DataDirectory OpenDataDir()
    {
        try
        {
            return DataDirectory.Open(_settings.DataDir, _logger);
        }
        catch (DataDirInUseException e)
        {
            throw new DaemonStartException(e.Message, e);
        }
        catch (DataDirCorruptException e)
        {
            throw new DaemonStartException($"{e.Message}; refusing to start (restore the data dir, or move it aside to start this node afresh)", e, DaemonExit.DataDirUnusable);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DaemonStartException($"cannot use data dir {_settings.DataDir}: {e.Message} (give the user halond runs as read and write access to it)", e, DaemonExit.DataDirUnusable);
        }
        catch (IOException e)
        {
            throw new DaemonStartException($"cannot use data dir {_settings.DataDir}: {e.Message}", e);
        }
    }

    private HalonNode CreateNode(DataDirectory dataDir)
    {
        try
        {
            return new HalonNode(NodeId, _settings.Protocol, new SystemRandomSource(), HostFactsReader.Read(), dataDir.State);
        }
        catch (ArgumentException e)
        {
            throw new DaemonStartException($"data dir {dataDir.Path} holds a state the protocol rejects: {e.Message}; refusing to start (if --advertise changed, the node's id changed with it: start it with its old address)", e, DaemonExit.DataDirUnusable);
        }
    }

    /// <summary>Issues every due tick; returns the tick the loop has caught up to.</summary>
    private long IssueDueTicks(HalonNode node, TickClock clock, long caughtUpAt)
    {
        var dueIndex = clock.DueIndex;
        if (dueIndex <= clock.Issued)
        {
            return dueIndex; // Woken before the planned tick (an event): caught up now.
        }

        var late = dueIndex - caughtUpAt;
        if (late >= StallTicksMin)
        {
            _metrics.Stalled();
            if (_stalls.Record(late, out var more, out var longest))
            {
                var milliseconds = late * DaemonSettings.TickInterval.Ticks / TimeSpan.TicksPerMillisecond;
                var longestMilliseconds = longest * DaemonSettings.TickInterval.Ticks / TimeSpan.TicksPerMillisecond;
                DaemonLog.Stall(_logger, NodeId, late, milliseconds, more, longestMilliseconds);
            }
        }

        // After a stall with messages waiting, the missed ticks are catch-up ticks: the clock (and a master's lease)
        // is made true before anything else, but an election timer that expired meanwhile does not campaign before
        // the waiting messages, heartbeats among them, are stepped; the next regular tick campaigns if still due.
        // A single due tick is a regular one, so a steady stream of messages never holds a campaign back.
        // A regular tick joins the turn's batch; catch-up ticks are drained one by one, so that a long stall does not
        // gather every missed heartbeat round into one batch.
        var catchingUp = dueIndex - clock.Issued >= 2 && Transport.Events.TryPeek(out _);
        while (clock.Issued < dueIndex)
        {
            clock.Issue();
            Guard(() =>
            {
                if (catchingUp)
                {
                    node.TickCatchingUp();
                    DrainReady(node);
                }
                else
                {
                    node.Tick();
                }
            });
        }

        return dueIndex;
    }

    /// <summary>WATCHDOG=1 from the loop itself, a few times per watchdog interval: a wedged loop stops it.</summary>
    private void NotifyWatchdog()
    {
        if (_settings.Notifier.WatchdogInterval is not { } interval)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (_watchdogSentAt == 0 || Stopwatch.GetElapsedTime(_watchdogSentAt, now) >= interval / 4)
        {
            _settings.Notifier.Watchdog();
            _watchdogSentAt = now;
        }
    }

    private void Handle(HalonNode node, TransportEvent transportEvent)
    {
        switch (transportEvent)
        {
            case MessageReceived received:
                _metrics.Received(received.Message);
                _inputsSinceDrain++;
                var result = node.Step(received.Message);
                if (!result.Accepted)
                {
                    _metrics.Dropped(received.Message, result.DropCategory);
                    LogDrop(received.Message, result);
                }

                break; // Drained with the rest of the loop turn.
            case PeerUnreachable unreachable:
                _metrics.DialFailed(unreachable.Problem);
                node.ReportUnreachable(unreachable.Peer, unreachable.Problem, unreachable.Detail);
                break;
            case ControlRequested control:
                HandleControl(node, control);
                break;
        }
    }

    private void HandleControl(HalonNode node, ControlRequested control)
    {
        // A reply may tell what the node did with the turn's earlier inputs (a status shows the term, a bootstrap
        // the role): they become durable first, as if each had been drained on its own.
        DrainReady(node);
        _inputsSinceDrain++;
        switch (control.Command)
        {
            case BootstrapStationCommand station:
            {
                var result = node.BecomeStationPeer(station.Peers, station.Timing);
                DrainReady(node); // Persisted before halonctl hears "done".
                DaemonLog.ControlCommand(_logger, NodeId, "station", station.Peers, result.Message);
                control.Reply(result);
                break;
            }

            case BootstrapSatelliteCommand satellite:
            {
                var result = node.BecomeSatellite(satellite.Station);
                DrainReady(node);
                DaemonLog.ControlCommand(_logger, NodeId, "satellite", satellite.Station, result.Message);
                control.Reply(result);
                break;
            }

            case RemoveSatelliteCommand remove:
            {
                var result = node.RemoveSatellite(remove.Satellite);
                DrainReady(node); // The removal entry is durable here before halonctl hears "appended".
                DaemonLog.RemovalRequested(_logger, NodeId, remove.Satellite, result.Outcome, result.Message);
                control.Reply(result);
                break;
            }

            case JoinStationCommand join:
            {
                var result = node.JoinStation(join.ClusterId, join.Timing, join.Contacts);
                DrainReady(node); // The joining role is durable before halonctl asks the master to add this node.
                DaemonLog.JoinRequested(_logger, NodeId, join.ClusterId, join.Contacts, result.Message);
                control.Reply(result);
                break;
            }

            case ChangeStationCommand change:
            {
                var result = node.ChangeStation(change.Change);
                DrainReady(node); // The configuration entry is durable here before halonctl hears "appended".
                var what = change.Change.Describe();
                DaemonLog.StationChangeRequested(_logger, NodeId, what, result.Outcome, result.Message);
                control.Reply(result);
                break;
            }

            case GetStatusCommand:
                control.Reply(node.GetStatus());
                break;
            default:
                control.Fail($"unknown command {control.Command.GetType().Name}");
                break;
        }
    }

    /// <summary>Persist, then log effects, then send, then advance: never send what is not durable.</summary>
    private void DrainReady(HalonNode node)
    {
        if (!node.HasReady)
        {
            _inputsSinceDrain = 0;
            return;
        }

        var ready = node.GetReady();
        try
        {
            if (ready.MustPersist)
            {
                var started = Stopwatch.GetTimestamp();
                _dataDir!.Persist(ready);
                _metrics.Persisted(started, _inputsSinceDrain);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DaemonLog.PersistFailed(_logger, e, NodeId, _settings.DataDir);
            throw new DaemonFatalException($"cannot write the data dir {_settings.DataDir}: {e.Message}", e);
        }

        foreach (var effect in ready.Effects)
        {
            _metrics.Effect(effect);
            LogEffect(effect);
        }

        foreach (var message in ready.Messages)
        {
            _metrics.Sent(message);
            _transport!.Send(message);
        }

        node.Advance();
        _inputsSinceDrain = 0;
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (HalonInvariantException e)
        {
            DaemonLog.InvariantBroken(_logger, e, NodeId);
            throw new DaemonFatalException(e.Message, e);
        }
    }

    private void LogEffect(Effect effect)
    {
        switch (effect)
        {
            case SupervisorStateChanged changed:
                DaemonLog.StateChanged(_logger, NodeId, changed.From, changed.To, changed.Term, changed.Reason);
                break;
            case BecameMaster master:
                DaemonLog.BecameMaster(_logger, NodeId, master.Term);
                break;
            case CoordinatorStarted started:
                DaemonLog.CoordinatorStarted(_logger, NodeId, started.Epoch, started.Restart, started.SatellitesKnown);
                break;
            case CoordinatorStopped stopped:
                DaemonLog.CoordinatorStopped(_logger, NodeId, stopped.Epoch, stopped.Reason);
                break;
            case SatelliteAcknowledged acknowledged when _acknowledgements.IsFirst(acknowledged):
                DaemonLog.SatelliteAcknowledged(_logger, NodeId, acknowledged.Satellite, acknowledged.Incarnation, acknowledged.Hostname, acknowledged.Epoch);
                break;
            case SatelliteAcknowledged repeated:
                // The satellite announced again before the first acknowledgement reached it: routine.
                DaemonLog.SatelliteAcknowledgedAgain(_logger, NodeId, repeated.Satellite, repeated.Incarnation, repeated.Epoch);
                break;
            case IncarnationAdvanced advanced:
                DaemonLog.IncarnationAdvanced(_logger, NodeId, advanced.From, advanced.To, advanced.Recorded, advanced.By);
                break;
            case SatelliteRemoved removed:
                DaemonLog.SatelliteRemoved(_logger, NodeId, removed.Satellite, removed.InstallId, removed.LogIndex, removed.Notified ? "; the coordinator told it" : string.Empty);
                break;
            case RemovedFromStation removedHere:
                DaemonLog.RemovedFromStation(_logger, NodeId, removedHere.InstallId, removedHere.By, removedHere.Epoch);
                break;
            case AnnouncementAcknowledged announcement:
                DaemonLog.AnnouncementAcknowledged(_logger, NodeId, announcement.Incarnation, announcement.By, announcement.Epoch);
                break;
            case StationListMismatch mismatch:
                if (_dropThrottle.ShouldLog("station list " + mismatch.Reported, out _))
                {
                    DaemonLog.StationListMismatch(_logger, NodeId, mismatch.Configured, mismatch.ReportedBy, mismatch.Reported, _settings.DataDir);
                }

                break;
            case RoleAssigned role:
                DaemonLog.RoleAssigned(_logger, NodeId, role.Role, role.Detail);
                break;
            case EntriesCommitted committed:
                DaemonLog.EntriesCommitted(_logger, NodeId, committed.FromIndex, committed.ToIndex);
                break;
            case ConfigurationChanged configuration:
                DaemonLog.ConfigurationChanged(_logger, NodeId, configuration.Config, configuration.Index, configuration.Committed ? "committed" : "in force, not committed yet", configuration.Reason);
                break;
            case StationListLearned learned:
                DaemonLog.StationListLearned(_logger, NodeId, learned.Station, learned.By, learned.Epoch);
                break;
            case LeftStation left:
                DaemonLog.LeftStation(_logger, NodeId, left.Index, left.Config);
                break;
        }
    }

    private void LogDrop(Message message, StepResult result)
    {
        var type = message.GetType().Name;
        var reason = result.DropReason ?? "no reason given";
        var category = MetricText.Snake(result.DropCategory.ToString());
        if (IsRoutine(result.DropCategory))
        {
            // Late answers and stale terms come with every election and every restart: worth a debug line only.
            DaemonLog.MessageDroppedRoutine(_logger, NodeId, type, message.From, category, reason);
        }
        else if (_dropThrottle.ShouldLog(message.From.Value + " " + type, out var suppressed))
        {
            DaemonLog.MessageDropped(_logger, NodeId, type, message.From, category, reason, suppressed == 0 ? string.Empty : $" ({suppressed} similar lines suppressed)");
        }
    }

    private static bool IsRoutine(DropCategory category) =>
        category is DropCategory.Outdated or DropCategory.StaleTerm or DropCategory.VoteWithheld or DropCategory.Fenced;
}
