using System.Diagnostics;
using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// A control connection to one node that is reopened when it fails, with a growing pause between attempts so that a
/// dead node is not dialled every poll. Every call answers with a value or with the one-line reason it failed.
/// </summary>
internal sealed class NodeSession : IAsyncDisposable
{
    /// <summary>First pause before redialling a node that failed; it doubles up to <see cref="RetryDelayMax"/>.</summary>
    private static readonly TimeSpan s_retryDelayMin = TimeSpan.FromMilliseconds(20);

    /// <summary>Longest pause between dial attempts.</summary>
    public static readonly TimeSpan RetryDelayMax = TimeSpan.FromMilliseconds(500);

    private readonly TransportSecurity _security;
    private readonly TimeSpan _requestTimeout;
    private ControlClient? _client;
    private TimeSpan _retryDelay = s_retryDelayMin;
    private long _retryAtTimestamp;

    public NodeSession(NodeId target, TransportSecurity security, TimeSpan requestTimeout)
    {
        Target = target;
        _security = security;
        _requestTimeout = requestTimeout;
    }

    /// <summary>The address dialled (which may differ from the node's id, as with <c>localhost:9070</c>).</summary>
    public NodeId Target { get; }

    /// <summary>The reason the last call failed, or null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Runs <paramref name="call"/> on the connection, opening it first if needed.</summary>
    /// <returns>True and the value, or false with <see cref="LastError"/> set (the node is in its retry pause, or failed).</returns>
    public async Task<(bool Ok, T? Value)> TryCallAsync<T>(Func<ControlClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_client is null)
        {
            if (Stopwatch.GetTimestamp() < _retryAtTimestamp)
            {
                return (false, default);
            }

            try
            {
                _client = await ControlClient.ConnectAsync(Target, _security, _requestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlException e)
            {
                Failed(e.Message);
                return (false, default);
            }
        }

        try
        {
            var value = await call(_client, cancellationToken).ConfigureAwait(false);
            LastError = null;
            _retryDelay = s_retryDelayMin;
            return (true, value);
        }
        catch (ControlException e)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
            _client = null;
            Failed(e.Message);
            return (false, default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
            _client = null;
        }
    }

    private void Failed(string message)
    {
        LastError = message;
        _retryAtTimestamp = Stopwatch.GetTimestamp() + (long)(_retryDelay.TotalSeconds * Stopwatch.Frequency);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, RetryDelayMax.Ticks));
    }
}
