using System.Globalization;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Cli;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Removal;

/// <summary>
/// Runs <c>halonctl satellite remove</c>: asks a station peer, follows it to the coordinator, requests each removal,
/// and repeats the request for those appended until the coordinator answers that they are removed (committed). A
/// removal lost in a change of coordinator is simply appended again, since the request is idempotent. A dry run reads
/// the coordinator's status and changes nothing.
/// </summary>
internal sealed class RemovalRunner
{
    /// <summary>Longest wait for one connection or answer, within the command's timeout.</summary>
    private static readonly TimeSpan s_callTimeMax = TimeSpan.FromSeconds(5);

    /// <summary>Pause between rounds of asking whether appended removals committed, or between rounds of dialling.</summary>
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan s_progressInterval = TimeSpan.FromSeconds(2);

    private readonly RemovalPlan _plan;
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private string? _lastError;
    private NodeId? _coordinator;
    private NodeId? _answeredBy;
    private int _nextPeer;

    public RemovalRunner(RemovalPlan plan, TextWriter output, TextWriter error)
    {
        _plan = plan;
        _out = output;
        _err = error;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_plan.Timeout, cancellationToken);
        var report = _plan.DryRun ? await DryRunAsync(deadline).ConfigureAwait(false) : await RemoveAsync(deadline).ConfigureAwait(false);
        if (report is null)
        {
            await _err.WriteLineAsync($"halonctl: no peer of the station answered with a status within {deadline.TimeoutText}: {_lastError ?? "no answer"}").ConfigureAwait(false);
            return 1;
        }

        await _out.WriteLineAsync(_plan.Json ? report.Json() : report.Text()).ConfigureAwait(false);
        return report.ExitCode;
    }

    private async Task<RemovalReport> RemoveAsync(Deadline deadline)
    {
        var results = new Dictionary<NodeId, NodeRemoval>();
        var todo = new Queue<NodeId>(_plan.Satellites);
        var waiting = new List<NodeId>();
        var appendedAt = new Dictionary<NodeId, long>();
        var nextProgress = s_progressInterval;
        ControlClient? client = null;
        NodeId? hint = null;
        try
        {
            while ((todo.Count > 0 || waiting.Count > 0) && !deadline.Expired)
            {
                client ??= await ConnectAsync(hint, deadline).ConfigureAwait(false);
                hint = null;
                if (client is null)
                {
                    await PauseAsync(deadline).ConfigureAwait(false);
                    continue;
                }

                // New requests first; then one round over those that wait for commit, and a pause.
                var round = todo.Count > 0 ? [todo.Peek()] : waiting.ToList();
                foreach (var node in round)
                {
                    RemovalResult answer;
                    try
                    {
                        answer = await client.RemoveSatelliteAsync(node, deadline.Token).ConfigureAwait(false);
                    }
                    catch (ControlException e)
                    {
                        _lastError = e.Message;
                        await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                        break;
                    }
                    catch (OperationCanceledException) when (!deadline.Interrupt.IsCancellationRequested)
                    {
                        break; // The deadline passed.
                    }

                    if (answer.Outcome is RemovalOutcome.NotCoordinator or RemovalOutcome.NotStation)
                    {
                        _lastError = $"{_coordinator}: {answer.Message}";
                        hint = answer.Coordinator;
                        _nextPeer = (_nextPeer + 1) % _plan.Station.Count;
                        await client.DisposeAsync().ConfigureAwait(false);
                        client = null;
                        if (hint is null)
                        {
                            await PauseAsync(deadline).ConfigureAwait(false);
                        }

                        break;
                    }

                    _answeredBy = _coordinator;
                    if (todo.Count > 0 && todo.Peek().Equals(node))
                    {
                        todo.Dequeue();
                    }

                    switch (answer.Outcome)
                    {
                        case RemovalOutcome.Appended or RemovalOutcome.Pending:
                            appendedAt[node] = answer.LogIndex;
                            if (!waiting.Contains(node))
                            {
                                waiting.Add(node);
                            }

                            break;
                        case RemovalOutcome.AlreadyRemoved:
                            waiting.Remove(node);
                            results[node] = appendedAt.TryGetValue(node, out var index)
                                ? new NodeRemoval(node.Value, NodeRemoval.Removed, $"removed from the station's table (log index {index}); it is refused until bootstrapped again", index)
                                : new NodeRemoval(node.Value, NodeRemoval.AlreadyRemoved, answer.Message, 0);
                            break;
                        case RemovalOutcome.Unknown:
                            waiting.Remove(node);
                            results[node] = new NodeRemoval(node.Value, NodeRemoval.Absent, answer.Message, 0);
                            break;
                        default:
                            waiting.Remove(node);
                            results[node] = new NodeRemoval(node.Value, NodeRemoval.Refused, answer.Message, 0);
                            break;
                    }
                }

                if (client is not null && todo.Count == 0 && waiting.Count > 0)
                {
                    if (deadline.Elapsed >= nextProgress && !_plan.Json)
                    {
                        await _err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"halonctl: {waiting.Count} removal(s) appended at {_coordinator}, waiting for commit ({deadline.Elapsed.TotalSeconds:0}s of {deadline.TimeoutText})")).ConfigureAwait(false);
                        nextProgress = deadline.Elapsed + s_progressInterval;
                    }

                    await PauseAsync(deadline).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var node in waiting)
        {
            results[node] = new NodeRemoval(node.Value, NodeRemoval.Failed, $"the removal was appended at {_coordinator} but not committed within {deadline.TimeoutText}: the station may lack a quorum; run the command again (it is safe to repeat)", appendedAt[node]);
        }

        foreach (var node in todo)
        {
            results[node] = new NodeRemoval(node.Value, NodeRemoval.Failed, $"no coordinator answered within {deadline.TimeoutText}: {_lastError ?? "no answer"}", 0);
        }

        return new RemovalReport(StationText(), _answeredBy?.Value, false, _plan.Satellites.Select(n => results[n]).ToList());
    }

    private async Task<RemovalReport?> DryRunAsync(Deadline deadline)
    {
        NodeStatus? view = null;
        NodeId? hint = null;
        for (var attempt = 0; attempt < _plan.Station.Count + 1 && !deadline.Expired; attempt++)
        {
            var client = await ConnectAsync(hint, deadline).ConfigureAwait(false);
            if (client is null)
            {
                break;
            }

            await using (client.ConfigureAwait(false))
            {
                NodeStatus status;
                try
                {
                    status = await client.GetStatusAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (ControlException e)
                {
                    _lastError = e.Message;
                    continue;
                }

                view ??= status;
                if (status.Coordinator is { } coordinator && coordinator.Node == status.Node)
                {
                    view = status; // The coordinator's own table.
                    break;
                }

                hint = status.Coordinator is { } elsewhere && NodeId.TryParse(elsewhere.Node, out var id, out _) ? id : null;
            }
        }

        if (view is null)
        {
            return null;
        }

        var rows = view.Satellites.ToDictionary(s => s.Node, StringComparer.Ordinal);
        var nodes = _plan.Satellites.Select(node => rows.TryGetValue(node.Value, out var row)
            ? row.Removed
                ? new NodeRemoval(node.Value, NodeRemoval.AlreadyRemoved, $"{node} is removed already", 0)
                : new NodeRemoval(node.Value, NodeRemoval.WouldRemove, string.Create(CultureInfo.InvariantCulture, $"in the table ({(row.Acknowledged ? "acknowledged" : "waiting for commit")}, incarnation {row.Incarnation}, installation {row.InstallId:x})"), 0)
            : new NodeRemoval(node.Value, NodeRemoval.Absent, $"the station has no record of {node}; nothing to remove", 0)).ToList();
        var seenFrom = view.Coordinator is { } c && c.Node == view.Node ? view.Node : null;
        if (seenFrom is null)
        {
            await _err.WriteLineAsync($"halonctl: note: no coordinator answered; the table shown is {view.Node}'s copy").ConfigureAwait(false);
        }

        return new RemovalReport(StationText(), seenFrom, true, nodes);
    }

    /// <summary>Connects to <paramref name="hint"/> if given, or else to the station's peers in turn; null when none answered.</summary>
    private async Task<ControlClient?> ConnectAsync(NodeId? hint, Deadline deadline)
    {
        var candidates = new List<NodeId>();
        if (hint is not null)
        {
            candidates.Add(hint);
        }

        for (var i = 0; i < _plan.Station.Count; i++)
        {
            candidates.Add(_plan.Station.Members[(_nextPeer + i) % _plan.Station.Count]);
        }

        foreach (var target in candidates)
        {
            var patience = deadline.Remaining < s_callTimeMax ? deadline.Remaining : s_callTimeMax;
            if (patience <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                var client = await ControlClient.ConnectAsync(target, _plan.Security, patience, deadline.Token).ConfigureAwait(false);
                _coordinator = target;
                return client;
            }
            catch (ControlException e)
            {
                _lastError = e.Message;
                _nextPeer = (_nextPeer + 1) % _plan.Station.Count;
            }
            catch (OperationCanceledException) when (!deadline.Interrupt.IsCancellationRequested)
            {
                return null;
            }
        }

        return null;
    }

    private static async Task PauseAsync(Deadline deadline)
    {
        try
        {
            await Task.Delay(s_pollInterval, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!deadline.Interrupt.IsCancellationRequested)
        {
            // The deadline passed; the caller's loop ends.
        }
    }

    private List<string> StationText() => _plan.Station.Members.Select(m => m.Value).ToList();
}
