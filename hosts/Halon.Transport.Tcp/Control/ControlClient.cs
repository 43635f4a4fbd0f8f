using System.Net.Sockets;
using Google.Protobuf;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Connections;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tcp;

/// <summary>
/// A control connection to one <c>halond</c>, as <c>halonctl</c> uses it: connect (handshake with the cluster key),
/// then any number of requests, one at a time. Every failure is a <see cref="ControlException"/> whose message is one
/// line starting with the node's address.
/// </summary>
public sealed class ControlClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly NodeId _target;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ulong _nextRequestId;
    private bool _broken;
    private bool _disposed;

    private ControlClient(Socket socket, NodeId target, TimeSpan timeout)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new FrameReader(_stream);
        _target = target;
        _timeout = timeout;
    }

    /// <summary>The node id the other side proved in the handshake (its advertised address).</summary>
    public NodeId? RemoteNode { get; private set; }

    /// <summary>
    /// Connects to <paramref name="target"/> and runs the handshake within <paramref name="timeout"/>, which also
    /// bounds each later request. Pass the cluster key when the node has one.
    /// </summary>
    public static async Task<ControlClient> ConnectAsync(NodeId target, byte[]? clusterKey, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Socket socket;
        try
        {
            socket = await Dialer.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (Failure(target, timeout, e, cancellationToken) is { } failure)
        {
            throw failure;
        }

        var client = new ControlClient(socket, target, timeout);
        try
        {
            client.RemoteNode = await HandshakeProtocol.DialAsync(client._stream, null, clusterKey, deadline.Token).ConfigureAwait(false);
            return client;
        }
        catch (Exception e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            if (Failure(target, timeout, e, cancellationToken) is { } failure)
            {
                throw failure;
            }

            throw;
        }
    }

    /// <summary>
    /// Asks the node to become a peer of the station <paramref name="peers"/> with <paramref name="timing"/> (null: the
    /// node's own default). Safe to repeat.
    /// </summary>
    public async Task<CommandResult> BootstrapStationAsync(PeerSet peers, Halon.Core.StationTiming? timing = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var response = await CallAsync(new BootstrapStationCommand(peers, timing), cancellationToken).ConfigureAwait(false);
        return ExpectCommandResult(response[0]);
    }

    /// <summary>Asks the node to become a satellite of <paramref name="station"/>. Safe to repeat.</summary>
    public async Task<CommandResult> BootstrapSatelliteAsync(PeerSet station, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(station);
        var response = await CallAsync(new BootstrapSatelliteCommand(station), cancellationToken).ConfigureAwait(false);
        return ExpectCommandResult(response[0]);
    }

    /// <summary>The node's status.</summary>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var responses = await CallAsync(GetStatusCommand.Instance, cancellationToken).ConfigureAwait(false);
        var satellites = new List<SatelliteStatus>();
        try
        {
            foreach (var response in responses)
            {
                foreach (var satellite in response.StatusChunk.Satellites)
                {
                    satellites.Add(ControlCodec.FromWire(satellite));
                }
            }

            return ControlCodec.FromWire(responses[^1].StatusChunk.Header, satellites);
        }
        catch (WireFormatException e)
        {
            throw new ControlException($"{_target}: the node sent an invalid status: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task<List<W.ControlResponse>> CallAsync(ControlCommand command, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken)
            {
                throw new ControlException($"{_target}: the connection failed earlier; connect again");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            var requestId = ++_nextRequestId;
            try
            {
                await _stream.WriteAsync(Frames.Frame(ControlCodec.ToRequest(requestId, command)), deadline.Token).ConfigureAwait(false);
                return await ReadResponsesAsync(requestId, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not ControlException)
            {
                _broken = true;
                if (Failure(_target, _timeout, e, cancellationToken) is { } failure)
                {
                    throw failure;
                }

                throw;
            }
            catch (ControlException)
            {
                _broken = true;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<W.ControlResponse>> ReadResponsesAsync(ulong requestId, CancellationToken cancellationToken)
    {
        var responses = new List<W.ControlResponse>();
        var satellites = 0;
        while (true)
        {
            if (!await _reader.TryReadAsync(WireProtocol.FrameBytesMax, cancellationToken).ConfigureAwait(false))
            {
                throw new ControlException($"{_target}: the node closed the connection without answering");
            }

            var response = ControlCodec.DecodeResponse(_reader.Payload);
            if (response.RequestId != requestId)
            {
                throw new ControlException($"{_target}: the node answered request {response.RequestId}, not {requestId}");
            }

            if (response.BodyCase == W.ControlResponse.BodyOneofCase.Error)
            {
                throw new ControlException($"{_target}: {response.Error.Message}");
            }

            responses.Add(response);
            if (response.BodyCase != W.ControlResponse.BodyOneofCase.StatusChunk || response.StatusChunk.Header is not null)
            {
                return responses;
            }

            satellites += response.StatusChunk.Satellites.Count;
            if (satellites > Limits.SatellitesMax + Limits.PendingAcknowledgementsMax)
            {
                throw new ControlException($"{_target}: the status has more than {Limits.SatellitesMax + Limits.PendingAcknowledgementsMax} satellites");
            }
        }
    }

    private CommandResult ExpectCommandResult(W.ControlResponse response)
    {
        if (response.BodyCase != W.ControlResponse.BodyOneofCase.CommandResult)
        {
            throw new ControlException($"{_target}: the node answered a command with {response.BodyCase}");
        }

        return ControlCodec.FromWire(response.CommandResult);
    }

    /// <summary>The one-line failure for <paramref name="e"/>, or null when the caller cancelled.</summary>
    private static ControlException? Failure(NodeId target, TimeSpan timeout, Exception e, CancellationToken callerToken)
    {
        if (e is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return null;
        }

        var what = e switch
        {
            OperationCanceledException => $"no answer within {Dialer.Format(timeout)}",
            SocketException socket => Dialer.Describe(socket),
            IOException { InnerException: SocketException socket } => Dialer.Describe(socket),
            HandshakeException { Failure: HandshakeFailure.WrongVersion } h => $"protocol version {h.RemoteVersion} is not supported (this halonctl speaks {WireProtocol.Version})",
            HandshakeException { Failure: HandshakeFailure.AuthenticationFailed } h when h.Message.Contains("without a cluster key", StringComparison.Ordinal) =>
                "authentication failed (the node runs without a cluster key, but one was given)",
            HandshakeException { Failure: HandshakeFailure.AuthenticationFailed } => "authentication failed (wrong or missing cluster key)",
            HandshakeException { Failure: HandshakeFailure.WrongMagic } => "not a halond (it did not answer with the Halon magic number)",
            HandshakeException h => $"handshake failed: {h.Message}",
            WireFormatException w => $"the node sent an invalid frame: {w.Message}",
            EndOfStreamException => "the node closed the connection",
            IOException io => io.Message,
            _ => null,
        };
        return what is null ? null : new ControlException($"{target}: {what}", e);
    }
}
