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
/// A control connection to one <c>halond</c>, as <c>halonctl</c> uses it: connect (handshake with the cluster key or
/// TLS certificate), then any number of requests, one at a time. In cluster-key mode requests and answers are sealed
/// like every other frame, and an answer that fails authentication ends the connection. Every failure is a
/// <see cref="ControlException"/> whose message is one line starting with the node's address.
/// </summary>
public sealed class ControlClient : IAsyncDisposable
{
    /// <summary>The session keys' data budget of a control connection: its requests and answers stay far below it.</summary>
    private const long SealedBytesPerKeyMax = 64L * 1024 * 1024 * 1024;

    private readonly NetworkStream _socketStream;
    private readonly HandshakeResult _handshake;
    private readonly FrameReader _reader;
    private readonly NodeId _target;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ulong _nextRequestId;
    private bool _broken;
    private bool _disposed;

    private ControlClient(NetworkStream socketStream, HandshakeResult handshake, NodeId target, TimeSpan timeout)
    {
        _socketStream = socketStream;
        _handshake = handshake;
        _reader = new FrameReader(handshake.Stream, handshake.Opener);
        _target = target;
        _timeout = timeout;
    }

    /// <summary>The node id the other side proved in the handshake (its advertised address).</summary>
    public NodeId? RemoteNode => _handshake.Remote;

    /// <summary>How this connection is protected.</summary>
    public SecurityMode Mode => _handshake.Mode;

    /// <summary>The id of the cluster key this connection uses (in TLS mode, of the node's CA), or null.</summary>
    public string? KeyId => _handshake.KeyId;

    /// <summary>
    /// Connects to <paramref name="target"/> and runs the handshake within <paramref name="timeout"/>, which also
    /// bounds each later request. Pass the cluster key when the node has one (a <c>null</c> literal means none, and
    /// chooses this overload).
    /// </summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static Task<ControlClient> ConnectAsync(NodeId target, byte[]? clusterKey, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ConnectAsync(target, TransportSecurity.WithKey(clusterKey), timeout, cancellationToken);

    /// <summary>
    /// Connects to <paramref name="target"/> and runs the handshake within <paramref name="timeout"/>, which also
    /// bounds each later request. <paramref name="security"/> must be the node's mode: its cluster key(s), TLS
    /// credentials of its CA, or none.
    /// </summary>
    public static async Task<ControlClient> ConnectAsync(NodeId target, TransportSecurity security, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(security);
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

        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var handshake = await HandshakeProtocol.DialAsync(stream, target, null, security, SealedBytesPerKeyMax, deadline.Token).ConfigureAwait(false);
            return new ControlClient(stream, handshake, target, timeout);
        }
        catch (Exception e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>
    /// Asks the node to take <paramref name="satellite"/> out of the station's table. Only the coordinator decides; any
    /// other peer answers <see cref="RemovalOutcome.NotCoordinator"/> with the master it knows. Safe to repeat.
    /// </summary>
    public async Task<RemovalResult> RemoveSatelliteAsync(NodeId satellite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(satellite);
        var response = await CallAsync(new RemoveSatelliteCommand(satellite), cancellationToken).ConfigureAwait(false);
        if (response[0].BodyCase != W.ControlResponse.BodyOneofCase.RemovalResult)
        {
            throw new ControlException($"{_target}: the node answered a removal with {response[0].BodyCase}");
        }

        try
        {
            return ControlCodec.FromWire(response[0].RemovalResult);
        }
        catch (WireFormatException e)
        {
            throw new ControlException($"{_target}: the node sent an invalid removal result: {e.Message}", e);
        }
    }

    /// <summary>
    /// Asks the node, a halond with no role (or a peer that left this station), to join the running station
    /// <paramref name="clusterId"/> with <paramref name="timing"/>, whose voters include <paramref name="contacts"/>:
    /// it becomes a peer that neither votes nor campaigns until the master adds it. Safe to repeat.
    /// </summary>
    public async Task<CommandResult> JoinStationAsync(string clusterId, Halon.Core.StationTiming timing, PeerSet contacts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(contacts);
        var response = await CallAsync(new JoinStationCommand(clusterId, timing, contacts), cancellationToken).ConfigureAwait(false);
        return ExpectCommandResult(response[0]);
    }

    /// <summary>
    /// Asks the node to change the station's peers. Only the coordinator decides; any other peer answers
    /// <see cref="MembershipOutcome.NotCoordinator"/> with the master it knows. Safe to repeat: a change under way
    /// answers <see cref="MembershipOutcome.Pending"/>, one made already <see cref="MembershipOutcome.AlreadyDone"/>.
    /// </summary>
    public async Task<MembershipResult> ChangeStationAsync(MembershipChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var response = await CallAsync(new ChangeStationCommand(change), cancellationToken).ConfigureAwait(false);
        if (response[0].BodyCase != W.ControlResponse.BodyOneofCase.MembershipResult)
        {
            throw new ControlException($"{_target}: the node answered a station change with {response[0].BodyCase}");
        }

        try
        {
            return ControlCodec.FromWire(response[0].MembershipResult);
        }
        catch (WireFormatException e)
        {
            throw new ControlException($"{_target}: the node sent an invalid membership result: {e.Message}", e);
        }
    }

    /// <summary>The node's status.</summary>
    public async Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        (await GetStatusReportAsync(cancellationToken).ConfigureAwait(false)).Node;

    /// <summary>The node's status with its transport's part: its security and its connections.</summary>
    public async Task<StatusReport> GetStatusReportAsync(CancellationToken cancellationToken = default)
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

            var header = responses[^1].StatusChunk.Header;
            var transport = ControlCodec.TransportFromWire(header)
                ?? throw new WireFormatException("the status carries no transport part (security and connections)");
            return new StatusReport(ControlCodec.FromWire(header, satellites), transport);
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
        await _handshake.DisposeAsync().ConfigureAwait(false);
        await _socketStream.DisposeAsync().ConfigureAwait(false);
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

            if (_handshake.Sealer.Exhausted)
            {
                _broken = true;
                throw new ControlException($"{_target}: the connection's session key carried its data budget; connect again");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            var requestId = ++_nextRequestId;
            try
            {
                await _handshake.Stream.WriteAsync(_handshake.Sealer.Frame(ControlCodec.ToRequest(requestId, command)), deadline.Token).ConfigureAwait(false);
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
            if (satellites > Limits.SatellitesMax + Limits.PendingAcknowledgementsMax + Limits.RemovedSatellitesMax)
            {
                throw new ControlException($"{_target}: the status has more than {Limits.SatellitesMax + Limits.PendingAcknowledgementsMax + Limits.RemovedSatellitesMax} satellites");
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
            HandshakeException { Failure: HandshakeFailure.WrongVersion } h => $"protocol version {h.RemoteVersion} is not supported (this halonctl speaks {WireProtocol.Version}); use the same release of halonctl and halond",
            HandshakeException { Failure: HandshakeFailure.ModeMismatch } h => "authentication failed " + ModeMismatch(h.RemoteMode, h.LocalMode),
            HandshakeException { Failure: HandshakeFailure.AuthenticationFailed } h => $"authentication failed ({h.Message})",
            FrameAuthenticationException f => $"an answer failed authentication and the connection was closed: {f.Message}",
            HandshakeException { Failure: HandshakeFailure.WrongMagic } => "not a halond (it did not answer with the Halon magic number)",
            HandshakeException h => $"handshake failed: {h.Message}",
            WireFormatException w => $"the node sent an invalid frame: {w.Message}",
            EndOfStreamException => "the node closed the connection",
            IOException io => io.Message,
            _ => null,
        };
        return what is null ? null : new ControlException($"{target}: {what}", e);
    }

    /// <summary>What to do when halonctl's mode is not the node's, in an operator's words.</summary>
    private static string ModeMismatch(SecurityMode? node, SecurityMode? self) => (node, self) switch
    {
        (SecurityMode.Insecure, SecurityMode.ClusterKey) => "(the node runs without a cluster key, but one was given)",
        (SecurityMode.ClusterKey, SecurityMode.Insecure) => "(the node requires a cluster key: give --cluster-key-file or set HALON_CLUSTER_KEY_FILE)",
        (SecurityMode.Tls, _) => "(the node uses TLS: give --tls-cert, --tls-key and --tls-ca)",
        (SecurityMode.ClusterKey, SecurityMode.Tls) => "(the node uses a cluster key, not TLS: give --cluster-key-file instead of the --tls options)",
        (SecurityMode.Insecure, SecurityMode.Tls) => "(the node runs without TLS or a cluster key, but TLS was asked for)",
        _ => $"(the node's mode is {node?.Name()}, this halonctl's {self?.Name()})",
    };
}
