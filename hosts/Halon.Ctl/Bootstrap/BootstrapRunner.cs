using System.Diagnostics;
using System.Globalization;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Addressing;
using Halon.Ctl.Output;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Carries out a <see cref="BootstrapPlan"/>: sends the bootstrap command to every node at once, reports each answer,
/// and with <c>--wait</c> polls status until the station runs a coordinator (or every satellite is acknowledged),
/// printing a progress line on stderr each time what is missing changes. With <c>--wait</c>, nodes that could not be
/// reached are tried again on every poll, so halonctl may run before every halond is up. A refusal (for example a
/// different peer set) is final: it is printed with the node's own message and the exit code is 1.
/// </summary>
internal sealed class BootstrapRunner
{
    /// <summary>Bounds each connection attempt and request, so that one silent node cannot stall a poll for long.</summary>
    private static readonly TimeSpan s_requestTimeoutMax = TimeSpan.FromSeconds(2);

    private readonly BootstrapPlan _plan;
    private readonly BootstrapOptions _options;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Outcome[] _outcomes;

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

    /// <summary>Runs the plan; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var requestTimeout = _options.Timeout < s_requestTimeoutMax ? _options.Timeout : s_requestTimeoutMax;
        var sessions = _plan.On.Select(n => new NodeSession(n, _options.Security, requestTimeout)).ToArray();
        var stationSessions = _plan.Kind == BootstrapKind.Satellite && _options.Wait
            ? _plan.Peers.Members.Select(n => new NodeSession(n, _options.Security, requestTimeout)).ToArray()
            : [];
        try
        {
            // Look before acting: if any node already belongs to another station, change nothing anywhere. Otherwise
            // the nodes that are still free would join a peer set that can never reach quorum, and stay stuck in it.
            var conflicts = await ConflictsAsync(sessions, cancellationToken).ConfigureAwait(false);
            if (conflicts.Count > 0)
            {
                // Send the command to the conflicting nodes only: they refuse, and their answer names both sets.
                await ActAsync(sessions, conflicts, cancellationToken).ConfigureAwait(false);
                var others = sessions.Length - conflicts.Count;
                if (others > 0)
                {
                    var why = _plan.Kind == BootstrapKind.Station ? "so that no second station forms" : "fix the refusal first, then run the command again";
                    _errors.WriteLine($"halonctl: left the other {others} node{(others == 1 ? string.Empty : "s")} unchanged; {why}");
                }

                return Finish(1, null);
            }

            await ActAsync(sessions, Enumerable.Range(0, sessions.Length), cancellationToken).ConfigureAwait(false);
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
                _errors.WriteLine($"halonctl: {outcome.Error}; trying again until the timeout ({Durations.Format(_options.Timeout)})");
            }

            return await WaitAsync(sessions, stationSessions, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var session in sessions.Concat(stationSessions))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> WaitAsync(NodeSession[] sessions, NodeSession[] stationSessions, CancellationToken cancellationToken)
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
                await ActAsync(sessions, again, cancellationToken).ConfigureAwait(false);
                if (_outcomes.Any(o => o.Result is { Succeeded: false }))
                {
                    return Finish(1, null);
                }
            }

            views = await PollAsync(sessions, cancellationToken).ConfigureAwait(false);
            Progress progress;
            if (_plan.Kind == BootstrapKind.Station)
            {
                progress = StationProgress.Evaluate(_plan.Peers, views);
            }
            else
            {
                var station = await PollAsync(stationSessions, cancellationToken).ConfigureAwait(false);
                progress = SatelliteProgress.Evaluate(_plan.Peers, views, station);
            }

            if (progress.Done)
            {
                if (!_options.Json)
                {
                    _output.WriteLine(progress.Line);
                }

                return Finish(0, progress);
            }

            if (progress.Line != printed)
            {
                _errors.WriteLine($"[{Elapsed()}] {progress.Line}");
                printed = progress.Line;
            }

            if (_clock.Elapsed >= _options.Timeout)
            {
                _errors.WriteLine($"halonctl: timed out after {Durations.Format(_options.Timeout)}; still missing: {progress.Line}");
                return Finish(1, progress);
            }

            await Task.Delay(PollInterval(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Poll fast at first, when a loopback or LAN bootstrap completes, and more gently later.</summary>
    private TimeSpan PollInterval() => _clock.Elapsed switch
    {
        var e when e < TimeSpan.FromSeconds(1) => TimeSpan.FromMilliseconds(5),
        var e when e < TimeSpan.FromSeconds(5) => TimeSpan.FromMilliseconds(25),
        _ => TimeSpan.FromMilliseconds(100),
    };

    /// <summary>The nodes whose status shows they would refuse this plan: a peer or satellite of another station.</summary>
    private async Task<List<int>> ConflictsAsync(NodeSession[] sessions, CancellationToken cancellationToken)
    {
        var views = await PollAsync(sessions, cancellationToken).ConfigureAwait(false);
        var conflicts = new List<int>();
        for (var i = 0; i < views.Length; i++)
        {
            var conflict = views[i].Status switch
            {
                null => false,
                { Role: "none" } => false,
                { Role: "station" } status when _plan.Kind == BootstrapKind.Station => status.ClusterId != _plan.Peers.ClusterId,
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

    private async Task ActAsync(NodeSession[] sessions, IEnumerable<int> indexes, CancellationToken cancellationToken)
    {
        var peers = _plan.Peers;
        var calls = indexes.Select(async i =>
        {
            var (ok, result) = await sessions[i].TryCallAsync(
                (client, token) => _plan.Kind == BootstrapKind.Station ? client.BootstrapStationAsync(peers, token) : client.BootstrapSatelliteAsync(peers, token),
                cancellationToken).ConfigureAwait(false);
            return (Index: i, Ok: ok, Result: result, Error: sessions[i].LastError);
        }).ToList();
        foreach (var (index, ok, result, error) in await Task.WhenAll(calls).ConfigureAwait(false))
        {
            var outcome = _outcomes[index];
            if (ok && result is not null)
            {
                var first = outcome.Result is null;
                outcome.Result = result;
                outcome.Error = null;
                if (first || result.Changed)
                {
                    Report(sessions[index].Target.Value, result);
                }
            }
            else if (outcome.Result is null)
            {
                outcome.Error = error ?? $"{sessions[index].Target}: no answer";
            }
        }
    }

    private void Report(string target, CommandResult result)
    {
        var message = result.Message.StartsWith(target, StringComparison.Ordinal) ? result.Message : $"{target}: {result.Message}";
        if (!result.Succeeded)
        {
            _errors.WriteLine($"halonctl: refused: {message}");
        }
        else if (!_options.Json)
        {
            _output.WriteLine(message);
        }
    }

    private static async Task<NodeView[]> PollAsync(NodeSession[] sessions, CancellationToken cancellationToken)
    {
        var polls = sessions.Select(async session =>
        {
            var (ok, status) = await session.TryCallAsync((client, token) => client.GetStatusAsync(token), cancellationToken).ConfigureAwait(false);
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
        json.WriteString("cluster_id", _plan.Peers.ClusterId);
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
            JsonText.WriteNullableString(json, "message", outcome.Result?.Message);
            JsonText.WriteNullableString(json, "error", outcome.Result is null ? outcome.Error : null);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteBoolean("waited", _options.Wait);
        json.WriteBoolean("done", exitCode == 0 && (!_options.Wait || progress is { Done: true }));
        JsonText.WriteNullableString(json, "reached", progress is { Done: true } ? progress.Line : null);
        JsonText.WriteNullableString(json, "missing", progress is { Done: false } ? progress.Line : null);
        json.WriteNumber("elapsed_ms", (long)_clock.Elapsed.TotalMilliseconds);
        json.WriteNumber("exit_code", exitCode);
        json.WriteEndObject();
    });

    private string Elapsed() => _clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + "s";

    /// <summary>What one node answered to the bootstrap command, or why it did not.</summary>
    private sealed class Outcome
    {
        public CommandResult? Result { get; set; }

        public string? Error { get; set; }
    }
}
