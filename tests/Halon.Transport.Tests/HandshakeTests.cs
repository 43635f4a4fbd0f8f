using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Halon.Core.Identity;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;

namespace Halon.Transport.Tests;

/// <summary>
/// Both sides of the handshake over a real loopback connection: which key two nodes agree on during a key roll, what
/// a tampered handshake gives, what two modes that differ say, and TLS with certificates that do and do not name
/// their nodes.
/// </summary>
public sealed class HandshakeTests
{
    private static readonly byte[] s_old = TestSupport.Key('o');
    private static readonly byte[] s_new = TestSupport.Key('n');
    private static readonly NodeId s_dialler = NodeId.Parse("127.0.0.1:7001");

    [Fact(Timeout = 30_000)]
    public async Task Both_sides_with_the_key_agree_and_each_direction_has_its_own_session_key()
    {
        var (dialler, listener) = await PairAsync(Keys(s_old), Keys(s_old));
        await using (dialler)
        await using (listener)
        {
            Assert.Equal(ClusterKey.Id(s_old), dialler.KeyId);
            Assert.Equal(ClusterKey.Id(s_old), listener.KeyId);
            Assert.Equal(s_dialler, listener.Remote);

            var keepalive = new Halon.Transport.Tcp.Wire.Keepalive();
            Assert.Equal(Array.Empty<byte>(), SealingTests.Open(listener.Opener!, dialler.Sealer.Frame(keepalive)));
            Assert.Equal(Array.Empty<byte>(), SealingTests.Open(dialler.Opener!, listener.Sealer.Frame(keepalive)));

            // The dialler's next frame sent back to it (reflected) carries the number the dialler expects next, yet
            // does not open: each direction has its own key.
            var reflected = dialler.Sealer.Frame(keepalive);
            Assert.Throws<FrameAuthenticationException>(() => SealingTests.Open(dialler.Opener!, reflected));
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Every_connection_gets_new_session_keys()
    {
        var payload = "the same heartbeat"u8.ToArray();
        var frames = new List<byte[]>();
        for (var i = 0; i < 2; i++)
        {
            var (dialler, listener) = await PairAsync(Keys(s_old), Keys(s_old));
            await using (dialler)
            await using (listener)
            {
                var buffer = new ArrayBufferWriter<byte>();
                dialler.Sealer.Append(buffer, payload);
                frames.Add(buffer.WrittenSpan.ToArray());
            }
        }

        Assert.NotEqual(frames[0], frames[1]);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("old", "old+new", "old")]
    [InlineData("old+new", "old", "old")]
    [InlineData("old+new", "old+new", "new")]
    [InlineData("new", "old+new", "new")]
    [InlineData("old+new", "new", "new")]
    public async Task During_a_key_roll_two_nodes_use_the_next_key_when_both_hold_it(string diallerKeys, string listenerKeys, string used)
    {
        var (dialler, listener) = await PairAsync(Keys(diallerKeys), Keys(listenerKeys));
        await using (dialler)
        await using (listener)
        {
            var expected = ClusterKey.Id(used == "new" ? s_new : s_old);
            Assert.Equal(expected, dialler.KeyId);
            Assert.Equal(expected, listener.KeyId);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Nodes_without_a_common_key_are_refused_on_both_sides_naming_the_key_ids()
    {
        var (dialler, listener) = await FailingPairAsync(Keys(s_new), Keys(s_old));
        Assert.Equal(HandshakeFailure.AuthenticationFailed, dialler.Failure);
        Assert.Equal($"wrong cluster key: this side offers key {ClusterKey.Id(s_new)}, the node holds key {ClusterKey.Id(s_old)}", dialler.Message);
        Assert.Equal($"{s_dialler} offers cluster key {ClusterKey.Id(s_new)}, and this node holds key {ClusterKey.Id(s_old)}: the keys differ", listener.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_hello_altered_in_transit_fails_the_proofs()
    {
        // The dialler offers the next key and the current one; on the way the current key's id loses a bit. The
        // listener still finds the next key, but the two sides no longer hash the same transcript.
        var (dialler, listener) = await FailingPairAsync(Keys("old+new"), Keys("old+new"), tamper: bytes => bytes[^1] ^= 0x01);
        Assert.Equal(HandshakeFailure.AuthenticationFailed, dialler.Failure);
        Assert.Contains("the handshake was altered in transit", dialler.Message, StringComparison.Ordinal);
        Assert.Contains($"{s_dialler} refused this node's cluster key proof", listener.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("key", "insecure", "runs without a cluster key or TLS, but this side uses a cluster key", "has a cluster key and this node has none")]
    [InlineData("insecure", "key", "uses a cluster key, but this side runs without a cluster key or TLS", "has no cluster key, and this node requires one")]
    [InlineData("key", "tls", "uses TLS, but this side uses a cluster key", "uses a cluster key, but this node uses TLS")]
    [InlineData("tls", "key", "uses a cluster key, but this side uses TLS", "uses TLS, but this node uses a cluster key")]
    public async Task Two_modes_that_differ_are_refused_on_both_sides_naming_both(string diallerMode, string listenerMode, string diallerSays, string listenerSays)
    {
        using var pki = new TestPki();
        var (dialler, listener) = await FailingPairAsync(Mode(diallerMode, pki), Mode(listenerMode, pki));
        Assert.Equal(HandshakeFailure.ModeMismatch, dialler.Failure);
        Assert.Equal(HandshakeFailure.ModeMismatch, listener.Failure);
        Assert.Contains(diallerSays, dialler.Message, StringComparison.Ordinal);
        Assert.Contains(listenerSays, listener.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Tls_with_certificates_that_name_both_nodes_connects_and_names_the_ca()
    {
        using var pki = new TestPki();
        var (dialler, listener) = await PairAsync(pki.Security(s_dialler), pki.Security(TestPki.Listener));
        await using (dialler)
        await using (listener)
        {
            Assert.Equal(SecurityMode.Tls, dialler.Mode);
            Assert.Equal(TlsCredentials.AuthorityId(pki.Authority), dialler.KeyId);
            Assert.Equal(TlsCredentials.AuthorityId(pki.Authority), listener.KeyId);
            Assert.Equal(s_dialler, listener.Remote);
            Assert.Equal(TestPki.Listener, dialler.Remote);
            Assert.False(dialler.Sealer.Seals); // TLS protects the frames.
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task A_tls_dialler_whose_certificate_does_not_name_the_id_it_claims_is_refused()
    {
        using var pki = new TestPki();
        var impostor = NodeId.Parse("127.0.0.1:7999");
        var (dialler, listener) = await FailingPairAsync(pki.Security(s_dialler), pki.Security(TestPki.Listener), diallerId: impostor);
        Assert.Contains($"the dialler claims to be {impostor}, but its certificate", listener.Message, StringComparison.Ordinal);
        Assert.Contains($"does not name its node id {impostor}", dialler.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_tls_listener_whose_certificate_does_not_name_it_is_refused()
    {
        using var pki = new TestPki();
        var (dialler, listener) = await FailingPairAsync(pki.Security(s_dialler), pki.Security(NodeId.Parse("127.0.0.1:7500")));
        Assert.Contains($"the certificate of {TestPki.Listener} does not name it", dialler.Message, StringComparison.Ordinal);
        Assert.Contains("refused this node's certificate", listener.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_certificate_of_another_ca_is_refused()
    {
        using var pki = new TestPki();
        using var other = new TestPki();
        var (dialler, listener) = await FailingPairAsync(other.Security(s_dialler), pki.Security(TestPki.Listener));
        Assert.Equal(HandshakeFailure.AuthenticationFailed, listener.Failure);
        Assert.Contains("does not verify against the CAs of this side", listener.Message + dialler.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task During_a_ca_roll_a_node_trusting_both_cas_talks_to_nodes_of_either_and_names_the_ca_of_each()
    {
        using var old = new TestPki();
        using var next = new TestPki();
        var now = DateTimeOffset.UtcNow;
        TransportSecurity Trusting(TestPki issuer, NodeId id, params TestPki[] trusted)
        {
            var certificate = CertificateFactory.CreateNode(issuer.Authority, id.Host, [id], now.AddDays(-1), now.AddDays(5));
            return TransportSecurity.WithTls(TlsCredentials.Create(certificate, [.. trusted.Select(t => t.Authority)], usages: [TlsUsage.Server, TlsUsage.Client]));
        }

        // The listener has its new certificate and trusts both CAs (steps 1 and 2 of the roll done on it).
        var listener = Trusting(next, TestPki.Listener, old, next);
        foreach (var (issuer, expected) in new[] { (old, old), (next, next) })
        {
            var (d, l) = await PairAsync(Trusting(issuer, s_dialler, old, next), listener);
            await using (d)
            await using (l)
            {
                Assert.Equal(TlsCredentials.AuthorityId(expected.Authority), l.KeyId);
                Assert.Equal(TlsCredentials.AuthorityId(next.Authority), d.KeyId);
            }
        }

        // A node that still trusts only the old CA cannot talk to one that already has a certificate of the new one. (The
        // listener then sees the connection close: .NET judges the server's certificate once TLS itself is done.)
        var (failedDial, failedListen) = await RunAsync(Trusting(old, s_dialler, old), listener, s_dialler, tamper: null);
        var e = await Assert.ThrowsAsync<HandshakeException>(() => failedDial);
        Assert.Contains("does not verify against the CAs of this side", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<Exception>(() => failedListen);
    }

    [Fact]
    public void An_expired_certificate_or_one_of_another_ca_is_refused_at_load()
    {
        using var pki = new TestPki(validSinceDays: 90);
        using var other = new TestPki();
        var past = DateTimeOffset.UtcNow.AddDays(-30);
        using var expired = CertificateFactory.CreateNode(pki.Authority, "127.0.0.1", [s_dialler], past.AddDays(-1), past);
        Assert.Contains("expired on", Assert.Throws<TlsCredentialsException>(() => TlsCredentials.Create(expired, [pki.Authority])).Message, StringComparison.Ordinal);
        using var foreign = CertificateFactory.CreateNode(other.Authority, "127.0.0.1", [s_dialler], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var e = Assert.Throws<TlsCredentialsException>(() => TlsCredentials.Create(foreign, [pki.Authority], usages: [TlsUsage.Client]));
        Assert.Contains("does not verify against the CAs", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_node_says_it_reads_replies_and_halonctl_does_not()
    {
        var (node, listener) = await PairAsync(Keys(s_old), Keys(s_old));
        await using (node)
        await using (listener)
        {
            Assert.True(listener.PeerReadsReplies);
        }

        var (client, listenerOfClient) = await PairAsync(Keys(s_old), Keys(s_old), client: true);
        await using (client)
        await using (listenerOfClient)
        {
            Assert.Null(listenerOfClient.Remote);
            Assert.False(listenerOfClient.PeerReadsReplies);
        }
    }

    private static TransportSecurity Keys(byte[] key) => TransportSecurity.WithKeys(new ClusterKeys(key));

    private static TransportSecurity Keys(string which) => which switch
    {
        "old" => Keys(s_old),
        "new" => Keys(s_new),
        _ => TransportSecurity.WithKeys(new ClusterKeys(s_old, s_new)),
    };

    private static TransportSecurity Mode(string mode, TestPki pki) => mode switch
    {
        "key" => Keys(s_old),
        "tls" => pki.Security(TestPki.Listener),
        _ => TransportSecurity.Insecure,
    };

    private static async Task<(HandshakeResult Dialler, HandshakeResult Listener)> PairAsync(TransportSecurity dialler, TransportSecurity listener, bool client = false)
    {
        var (d, l) = await RunAsync(dialler, listener, client ? null : s_dialler, tamper: null);
        return (await d, await l);
    }

    private static async Task<(HandshakeException Dialler, HandshakeException Listener)> FailingPairAsync(
        TransportSecurity dialler, TransportSecurity listener, Action<byte[]>? tamper = null, NodeId? diallerId = null)
    {
        var (d, l) = await RunAsync(dialler, listener, diallerId ?? s_dialler, tamper);
        return (await Assert.ThrowsAsync<HandshakeException>(() => d), await Assert.ThrowsAsync<HandshakeException>(() => l));
    }

    /// <summary>Runs both sides on a loopback connection; <paramref name="tamper"/> edits the dialler's first write (opening and Hello).</summary>
    private static async Task<(Task<HandshakeResult> Dialler, Task<HandshakeResult> Listener)> RunAsync(
        TransportSecurity dialler, TransportSecurity listener, NodeId? diallerId, Action<byte[]>? tamper)
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)server.LocalEndpoint);
        var accepted = await server.AcceptSocketAsync();
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Stream diallerStream = new NetworkStream(client, ownsSocket: true);
        if (tamper is not null)
        {
            diallerStream = new TamperFirstWrite(diallerStream, tamper);
        }

        var listenerStream = new NetworkStream(accepted, ownsSocket: true);

        // As the transport does: a side whose handshake fails closes its connection.
        async Task<HandshakeResult> Closing(Stream stream, Task<HandshakeResult> handshake)
        {
            try
            {
                return await handshake;
            }
            catch
            {
                await stream.DisposeAsync();
                throw;
            }
        }

        var listenerTask = Closing(listenerStream, HandshakeProtocol.AcceptAsync(listenerStream, TestPki.Listener, listener, long.MaxValue, timeout.Token));
        var diallerTask = Closing(diallerStream, HandshakeProtocol.DialAsync(diallerStream, TestPki.Listener, diallerId, dialler, long.MaxValue, timeout.Token));
        try
        {
            await Task.WhenAll(listenerTask, diallerTask);
        }
        catch (Exception)
        {
            // Looked at by the caller.
        }

        return (diallerTask, listenerTask);
    }

    /// <summary>A stream that lets a test change the bytes of the first write, as a man in the middle would.</summary>
    private sealed class TamperFirstWrite(Stream inner, Action<byte[]> tamper) : Stream
    {
        private bool _done;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var bytes = buffer.ToArray();
            if (!_done)
            {
                _done = true;
                tamper(bytes);
            }

            return inner.WriteAsync(bytes, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>A CA made for one test, with node certificates for 127.0.0.1 naming the ids asked for.</summary>
internal sealed class TestPki : IDisposable
{
    public static readonly NodeId Listener = NodeId.Parse("127.0.0.1:7002");

    public TestPki(int validSinceDays = 1)
    {
        Authority = CertificateFactory.CreateAuthority("test CA " + Guid.NewGuid().ToString("N")[..8], DateTimeOffset.UtcNow.AddDays(-validSinceDays), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Authority { get; }

    /// <summary>TLS credentials whose certificate names <paramref name="id"/> (good to listen and to dial).</summary>
    public TransportSecurity Security(NodeId id)
    {
        var certificate = CertificateFactory.CreateNode(Authority, id.Host, [id], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        return TransportSecurity.WithTls(TlsCredentials.Create(certificate, [Authority], usages: [TlsUsage.Server, TlsUsage.Client]));
    }

    /// <summary>halonctl's credentials: a client certificate.</summary>
    public TransportSecurity Client()
    {
        var certificate = CertificateFactory.CreateClient(Authority, "halonctl", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        return TransportSecurity.WithTls(TlsCredentials.Create(certificate, [Authority], usages: [TlsUsage.Client]));
    }

    public void Dispose() => Authority.Dispose();
}
