using System.Globalization;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Addressing;
using Halon.Ctl.Cli;
using Halon.Ctl.Output;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Carries out a <see cref="BootstrapPlan"/>: looks at every node first, sends the bootstrap command to every node at
/// once, reports each answer, and with <c>--wait</c> polls status until the station runs a coordinator (or every
/// satellite is acknowledged), printing a progress line on stderr each time what is missing changes. With
/// <c>--wait</c>, nodes that could not be reached are tried again on every poll, so halonctl may run before every
/// halond is up. A refusal (for example a different peer set) is final: it is printed with the node's own message and
/// the exit code is 1. The whole run keeps to <c>--timeout</c>: no node's call is given up before it, and none runs
/// past it.
/// </summary>
internal sealed class BootstrapRunner
{
    /// <summary>
    /// How long one look at the nodes waits for each of them before it goes on without the slow ones (their calls go
    /// on, and a later look collects the answers): progress keeps moving while a node is silent.
    /// </summary>
    public static readonly TimeSpan LookPatience = TimeSpan.FromSeconds(1);

    private readonly BootstrapPlan _plan;
    private readonly BootstrapOptions _options;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly Outcome[] _outcomes;
    private Deadline? _deadline;

    public BootstrapRunner(BootstrapPlan plan, BootstrapOptions options, TextWriter output, TextWriter errors)
    {
        _plan = plan;
        _options = options;
        _output = output;
        _errors = errors;
        _outcomes = plan.On.Select(_ => new Outcome()).ToArray();
    }

    /// <summary>The last progress reached, for callers such as <c>demo</c> that go on from it.</summary>
    public Progress? Final { get; private set; }

    private Deadline Deadline => _deadline ?? throw new InvalidOperationException("not running");

    /// <summary>Runs the plan; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(_options.Timeout, cancellationToken);
        _deadline = deadline;
        var sessions = _plan.On.Select(n => new NodeSession(n, _options.Security, deadline)).ToArray();
        var stationSessions = _plan.Kind == BootstrapKind.Satellite
            ? _plan.Peers.Members.Select(n => new NodeSession(n, _options.Security, deadline)).ToArray()
            : [];
        try
        {
            return await RunAsync(sessions, stationSessions).ConfigureAwait(false);
        }
        finally
        {
            foreach (var session in sessions.Concat(stationSessions))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunAsync(NodeSession[] sessions, NodeSession[] stationSessions)
    {
        // Look before acting: if any node already belongs to another station, change nothing anywhere. Otherwise the
        // nodes that are still free would join a peer set that can never reach quorum, and stay stuck in it.
        var looks = PollAsync(sessions, LookPatience);
        var stationLooks = PollAsync(stationSessions, LookPatience);
        var conflicts = Conflicts(await looks.ConfigureAwait(false));
        if (conflicts.Count > 0)
        {
            // Send the command to the conflicting nodes only: they refuse, and their answer names both sets.
            await ActAsync(sessions, conflicts, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            var others = sessions.Length - conflicts.Count;
            if (others > 0)
            {
                var why = _plan.Kind == BootstrapKind.Station ? "so that no second station forms" : "fix the refusal first, then run the command again";
                _errors.WriteLine($"halonctl: left the other {others} node{(others == 1 ? string.Empty : "s")} unchanged; {why}");
            }

            return Finish(1, null);
        }

        // A satellite keeps the station list it is given, so a list that is not the station's own is refused here,
        // before any satellite takes it.
        var wrongList = (await stationLooks.ConfigureAwait(false)).Select(v => StationCheck.Disagreement(_plan.Peers, v)).OfType<string>().ToList();
        if (wrongList.Count > 0)
        {
            foreach (var line in wrongList)
            {
                _errors.WriteLine($"halonctl: wrong station list: {line}");
            }

            _errors.WriteLine($"halonctl: changed nothing; {StationCheck.Fix}");
            return Finish(1, null);
        }

        await ActAsync(sessions, Enumerable.Range(0, sessions.Length), _options.Wait ? LookPatience : Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        if (_outcomes.Any(o => o.Result is { Succeeded: false }))
        {
            return Finish(1, null);
        }

        var unreached = _outcomes.Where(o => o.Result is null).ToList();
        if (!_options.Wait)
        {
            foreach (var outcome in unreached)
            {
                _errors.WriteLine($"halonctl: {outcome.Error}");
            }

            return Finish(unreached.Count == 0 ? 0 : 1, null);
        }

        foreach (var outcome in unreached)
        {
            _errors.WriteLine($"halonctl: {outcome.Error}; trying again until the timeout ({Deadline.TimeoutText})");
        }

        return await WaitAsync(sessions, stationSessions).ConfigureAwait(false);
    }

    private async Task<int> WaitAsync(NodeSession[] sessions, NodeSession[] stationSessions)
    {
        string? printed = null;
        var views = new NodeView[sessions.Length];
        while (true)
        {
            // Send the command again to nodes that never answered it, or that answer as if they never got it (a node
            // restarted without its data dir): the command is idempotent, so this is always safe.
            var again = Enumerable.Range(0, sessions.Length)
                .Where(i => _outcomes[i].Result is null || views[i]?.Status is { Role: "none" })
                .ToList();
            if (again.Count > 0)
            {
                await ActAsync(sessions, again, LookPatience).ConfigureAwait(false);
                if (_outcomes.Any(o => o.Result is { Succeeded: false }))
                {
                    return Finish(1, null);
                }
            }

            var polls = PollAsync(sessions, LookPatience);
            var stationPolls = PollAsync(stationSessions, LookPatience);
            views = await polls.ConfigureAwait(false);
            var progress = _plan.Kind == BootstrapKind.Station
                ? StationProgress.Evaluate(_plan.Peers, views, _plan.Timing)
                : SatelliteProgress.Evaluate(_plan.Peers, views, await stationPolls.ConfigureAwait(false));
            if (progress.Done)
            {
                if (!_options.Json)
                {
                    _output.WriteLine(progress.Line);
                }

                return Finish(0, progress);
            }

            if (progress.Hopeless)
            {
                _errors.WriteLine($"halonctl: {progress.Line}");
                return Finish(1, progress);
            }

            if (progress.Line != printed)
            {
                _errors.WriteLine($"[{Elapsed()}] {progress.Line}");
                printed = progress.Line;
            }

            if (Deadline.Expired)
            {
                _errors.WriteLine($"halonctl: timed out after {Deadline.TimeoutText}; still missing: {progress.Line}");
                return Finish(1, progress);
            }

            await Deadline.WaitAsync(Task.Delay(PollInterval(), Deadline.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
    }

    /// <summary>Poll fast at first, when a loopback or LAN bootstrap completes, and more gently later.</summary>
    private TimeSpan PollInterval() => Deadline.Elapsed switch
    {
        var e when e < TimeSpan.FromSeconds(1) => TimeSpan.FromMilliseconds(5),
        var e when e < TimeSpan.FromSeconds(5) => TimeSpan.FromMilliseconds(25),
        _ => TimeSpan.FromMilliseconds(100),
    };

    /// <summary>The nodes whose status shows they would refuse this plan: a peer or satellite of another station.</summary>
    private List<int> Conflicts(NodeView[] views)
    {
        var conflicts = new List<int>();
        for (var i = 0; i < views.Length; i++)
        {
            var conflict = views[i].Status switch
            {
                null => false,
                { Role: "none" } => false,
                { Role: "station" } status when _plan.Kind == BootstrapKind.Station =>
                    !StationCheck.IsPeerOf(status, _plan.Peers) || (_plan.Timing is { } timing && status.Timing is { } theirs && !theirs.SameValues(timing)),
                { Role: "satellite" } status when _plan.Kind == BootstrapKind.Satellite => status.ClusterId != _plan.Peers.ClusterId,
                _ => true,
            };
            if (conflict)
            {
                conflicts.Add(i);
            }
        }

        return conflicts;
    }

    private async Task ActAsync(NodeSession[] sessions, IEnumerable<int> indexes, TimeSpan patience)
    {
        var peers = _plan.Peers;
        var kind = "bootstrap " + _plan.KindText;
        var calls = indexes.Select(async i =>
        {
            var (ok, result) = await sessions[i].TryCallAsync(
                kind,
                (client, token) => _plan.Kind == BootstrapKind.Station ? client.BootstrapStationAsync(peers, _plan.Timing, token) : client.BootstrapSatelliteAsync(peers, token),
                patience).ConfigureAwait(false);
            return (Index: i, Ok: ok, Result: result, Session: sessions[i]);
        }).ToList();
        foreach (var (index, ok, result, session) in await Task.WhenAll(calls).ConfigureAwait(false))
        {
            var outcome = _outcomes[index];
            if (ok && result is not null)
            {
                var first = outcome.Result is null;
                outcome.Result = result;
                outcome.Error = null;
                if (first || result.Changed)
                {
                    Report(session.Target.Value, result, outcome.AnswerLost);
                }
            }
            else if (outcome.Result is null)
            {
                outcome.Error = session.LastError ?? $"{session.Target}: no answer yet";
                outcome.AnswerLost |= session.LastAnswerLost;
            }
        }
    }

    /// <summary>
    /// Prints one node's answer. "Already" is a success: the node has the role asked for. When an earlier attempt
    /// reached the node but its answer was lost, that attempt may be what did it, so the line says so instead of
    /// claiming the node was bootstrapped before.
    /// </summary>
    private void Report(string target, CommandResult result, bool answerLost)
    {
        var message = result.Message.StartsWith(target, StringComparison.Ordinal) ? result.Message : $"{target}: {result.Message}";
        if (!result.Succeeded)
        {
            _errors.WriteLine($"halonctl: refused: {message}");
        }
        else if (!_options.Json)
        {
            _output.WriteLine(answerLost && !result.Changed
                ? $"{message.Replace(" is already ", " is ", StringComparison.Ordinal)} (confirmed on a retry: the answer to the first attempt was lost, and that attempt may have done it)"
                : message);
        }
    }

    private static async Task<NodeView[]> PollAsync(NodeSession[] sessions, TimeSpan patience)
    {
        var polls = sessions.Select(async session =>
        {
            var (ok, status) = await session.TryStatusAsync(patience).ConfigureAwait(false);
            return new NodeView(session.Target, ok ? status : null, ok ? null : session.LastError);
        });
        return await Task.WhenAll(polls).ConfigureAwait(false);
    }

    private int Finish(int exitCode, Progress? progress)
    {
        Final = progress;
        if (_options.Json)
        {
            _output.WriteLine(Json(exitCode, progress));
        }

        return exitCode;
    }

    private string Json(int exitCode, Progress? progress) => JsonText.Write(json =>
    {
        json.WriteStartObject();
        json.WriteString("kind", _plan.KindText);
        json.WriteString("cluster_id", _plan.ClusterId);
        JsonText.WriteStrings(json, "peers", _plan.Peers.Members.Select(m => m.Value));
        JsonText.WriteStrings(json, "on", _plan.On.Select(m => m.Value));
        json.WriteStartArray("results");
        for (var i = 0; i < _outcomes.Length; i++)
        {
            var outcome = _outcomes[i];
            json.WriteStartObject();
            json.WriteString("node", _plan.On[i].Value);
            json.WriteBoolean("succeeded", outcome.Result is { Succeeded: true });
            json.WriteBoolean("changed", outcome.Result is { Changed: true });
            json.WriteBoolean("answer_lost", outcome.AnswerLost);
            JsonText.WriteNullableString(json, "message", outcome.Result?.Message);
            JsonText.WriteNullableString(json, "error", outcome.Result is null ? outcome.Error : null);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("waited", _options.Wait);
        json.WriteBoolean("done", exitCode == 0 && (!_options.Wait || progress is { Done: true }));
        if (progress?.Coordinator is { } coordinator)
        {
            json.WriteString("master", coordinator.Node);
            json.WriteStartObject("coordinator");
            json.WriteString("node", coordinator.Node);
            json.WriteNumber("epoch", coordinator.Epoch);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("master");
            json.WriteNull("coordinator");
        }

        if (progress?.Term is { } term)
        {
            json.WriteNumber("term", term);
        }
        else
        {
            json.WriteNull("term");
        }

        if (progress?.Acknowledged is { } acknowledged)
        {
            json.WriteNumber("acknowledged", acknowledged);
        }

        JsonText.WriteStrings(json, "pending", progress?.Pending ?? []);
        JsonText.WriteNullableString(json, "reached", progress is { Done: true } ? progress.Line : null);
        JsonText.WriteNullableString(json, "missing", progress is { Done: false } ? progress.Line : null);
        json.WriteNumber("elapsed_ms", (long)Deadline.Elapsed.TotalMilliseconds);
        json.WriteNumber("exit_code", exitCode);
        json.WriteEndObject();
    });

    private string Elapsed() => Deadline.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";

    /// <summary>What one node answered to the bootstrap command, or why it did not.</summary>
    private sealed class Outcome
    {
        public CommandResult? Result { get; set; }

        public string? Error { get; set; }

        /// <summary>An attempt reached the node but its answer was lost, so that attempt may have taken effect.</summary>
        public bool AnswerLost { get; set; }
    }
}
