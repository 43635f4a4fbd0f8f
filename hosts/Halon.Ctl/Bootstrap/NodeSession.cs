using System.Diagnostics;
using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Addressing;
using Halon.Ctl.Cli;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// A control connection to one node, reopened when it fails (with a growing pause between attempts, so that a dead
/// node is not dialled every poll). Its calls are bounded by the command's <see cref="Deadline"/> only: no call is
/// given up before it. A caller waits for an answer as long as its patience allows and moves on; the call goes on, and
/// the next call of the same kind collects its answer, so a node that answers slowly is still heard.
/// </summary>
internal sealed class NodeSession : IAsyncDisposable
{
    /// <summary>The kind of a status call (see <see cref="TryCallAsync{T}"/>).</summary>
    public const string StatusCall = "status";

    /// <summary>First pause before redialling a node that failed; it doubles up to <see cref="RetryDelayMax"/>.</summary>
    private static readonly TimeSpan s_retryDelayMin = TimeSpan.FromMilliseconds(20);

    /// <summary>Longest pause between dial attempts.</summary>
    public static readonly TimeSpan RetryDelayMax = TimeSpan.FromMilliseconds(500);

    private readonly TransportSecurity _security;
    private readonly Deadline _deadline;

    // Lets one caller at a time use the session (a survey may ask a node as an entry point and as a peer).
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ControlClient? _client;
    private TimeSpan _retryDelay = s_retryDelayMin;
    private long _retryAtTimestamp;

    // The call in flight, if any: one at a time per node, so that _client is used by one call only.
    private Task<Answer>? _pending;
    private long _pendingSinceTimestamp;
    private bool _disposed;

    public NodeSession(NodeId target, TransportSecurity security, Deadline deadline)
    {
        Target = target;
        _security = security;
        _deadline = deadline;
    }

    /// <summary>The address dialled (which may differ from the node's id, as with <c>localhost:9070</c>).</summary>
    public NodeId Target { get; }

    /// <summary>The one-line reason the last call did not answer (it starts with the address), or null after an answer.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Whether the last call that failed had reached the node before its answer was lost: a command sent then may
    /// have taken effect.
    /// </summary>
    public bool LastAnswerLost { get; private set; }

    /// <summary>Asks for the node's status.</summary>
    public Task<(bool Ok, NodeStatus? Value)> TryStatusAsync(TimeSpan patience) =>
        TryCallAsync(StatusCall, (client, token) => client.GetStatusAsync(token), patience);

    /// <summary>
    /// Runs <paramref name="call"/> (of the given <paramref name="kind"/>) on the connection, opening it first if
    /// needed, and waits for its answer for at most <paramref name="patience"/> (and never past the deadline). When a
    /// call is still in flight, it is waited for first; if it is of the same kind, its answer is this call's answer.
    /// </summary>
    /// <returns>True and the value, or false with <see cref="LastError"/> set.</returns>
    public async Task<(bool Ok, T? Value)> TryCallAsync<T>(string kind, Func<ControlClient, CancellationToken, Task<T>> call, TimeSpan patience)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!await _gate.WaitAsync(_deadline.Remaining, _deadline.Interrupt).ConfigureAwait(false))
        {
            return NotYet<T>();
        }

        try
        {
            return await CallAsync(kind, call, patience).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(bool Ok, T? Value)> CallAsync<T>(string kind, Func<ControlClient, CancellationToken, Task<T>> call, TimeSpan patience)
        where T : class
    {
        if (_pending is { } earlier)
        {
            if (!await _deadline.WaitAsync(earlier, patience).ConfigureAwait(false))
            {
                return NotYet<T>();
            }

            var answer = Collect();
            if (answer.Kind == kind)
            {
                return answer.Error is null ? (true, (T?)answer.Value) : (false, null);
            }
        }

        if (_deadline.Expired || Stopwatch.GetTimestamp() < _retryAtTimestamp)
        {
            LastError ??= $"{Target}: not asked before the timeout ({_deadline.TimeoutText})";
            return (false, null);
        }

        _pendingSinceTimestamp = Stopwatch.GetTimestamp();
        _pending = RunAsync(kind, call);
        if (!await _deadline.WaitAsync(_pending, patience).ConfigureAwait(false))
        {
            return NotYet<T>();
        }

        var own = Collect();
        return own.Error is null ? (true, (T?)own.Value) : (false, null);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_pending is { IsCompleted: false } pending)
        {
            // It ends at the deadline at the latest; close the connection then rather than wait for it here.
            _ = pending.ContinueWith(_ => CloseAsync().AsTask(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return;
        }

        await CloseAsync().ConfigureAwait(false);
    }

    private (bool Ok, T? Value) NotYet<T>()
        where T : class
    {
        var waited = _pendingSinceTimestamp == 0 ? _deadline.Elapsed : Stopwatch.GetElapsedTime(_pendingSinceTimestamp);
        LastError = _deadline.Expired ? $"{Target}: no answer within {Waited(waited)}" : $"{Target}: no answer yet";
        return (false, null);
    }

    /// <summary>Takes the completed call's answer and records its outcome.</summary>
    private Answer Collect()
    {
        var answer = _pending!.GetAwaiter().GetResult();
        _pending = null;
        if (answer.Error is null)
        {
            LastError = null;
            _retryDelay = s_retryDelayMin;
        }
        else
        {
            LastError = answer.Error;
            LastAnswerLost = answer.Reached;
            _retryAtTimestamp = Stopwatch.GetTimestamp() + (long)(_retryDelay.TotalSeconds * Stopwatch.Frequency);
            _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, RetryDelayMax.Ticks));
        }

        return answer;
    }

    private async Task<Answer> RunAsync<T>(string kind, Func<ControlClient, CancellationToken, Task<T>> call)
        where T : class
    {
        var reached = false;
        try
        {
            // Each request is bounded by the deadline's token; the client's own bound is the whole timeout, so that
            // it never cuts a call short of the deadline.
            _client ??= await ControlClient.ConnectAsync(Target, _security, _deadline.Timeout, _deadline.Token).ConfigureAwait(false);
            reached = true;
            ObjectDisposedException.ThrowIf(_disposed, this);
            var value = await call(_client, _deadline.Token).ConfigureAwait(false);
            return new Answer(kind, value, null, true);
        }
        catch (ControlException e)
        {
            await CloseAsync().ConfigureAwait(false);
            return new Answer(kind, null, e.Message, reached);
        }
        catch (OperationCanceledException) when (!_deadline.Interrupt.IsCancellationRequested)
        {
            await CloseAsync().ConfigureAwait(false);
            return new Answer(kind, null, $"{Target}: no answer within {Waited(Stopwatch.GetElapsedTime(_pendingSinceTimestamp))}", reached);
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            await CloseAsync().ConfigureAwait(false);
            return new Answer(kind, null, $"{Target}: the connection was closed", reached);
        }
    }

    /// <summary>A wait for messages, to the nearest 10 ms: <c>2s</c> rather than <c>2.001s</c>.</summary>
    private static string Waited(TimeSpan waited) => Durations.Format(TimeSpan.FromMilliseconds(Math.Round(waited.TotalMilliseconds / 10) * 10));

    private async ValueTask CloseAsync()
    {
        var client = _client;
        _client = null;
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>What one call came back with: a value, or the one-line reason it failed.</summary>
    private sealed record Answer(string Kind, object? Value, string? Error, bool Reached);
}
