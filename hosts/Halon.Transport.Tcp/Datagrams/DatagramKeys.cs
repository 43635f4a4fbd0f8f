using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp.Datagrams;

/// <summary>
/// The layout of a datagram and what its AEAD covers. A datagram is <see cref="HeaderBytes"/> of header (the magic
/// <c>HLD1</c>, the 8-byte key id, a 64-bit big-endian counter), then the AES-256-GCM ciphertext of one envelope, then
/// the 16-byte tag. The nonce is four zero bytes and the counter; the associated data is the header, the sender's node
/// id, a zero byte and the receiver's node id, so a datagram reflected to its sender, or replayed towards another
/// node, fails its tag even if a key id were ever reused.
/// </summary>
internal static class DatagramFormat
{
    /// <summary><c>HLD1</c> in ASCII: Halon datagram, layout 1.</summary>
    public const uint Magic = 0x484C4431;

    public const int KeyIdBytes = 8;

    public const int KeyBytes = 32;

    public const int HeaderBytes = 4 + KeyIdBytes + 8;

    /// <summary>
    /// Largest envelope sent as a datagram: a heartbeat, its answer or a vote is about 100 bytes; 1,200 keeps every
    /// datagram inside one packet of any path (IPv6's minimum MTU is 1,280), so none is ever fragmented.
    /// </summary>
    public const int PayloadBytesMax = 1200;

    /// <summary>Largest datagram accepted.</summary>
    public const int DatagramBytesMax = HeaderBytes + PayloadBytesMax + WireProtocol.TagBytes;

    /// <summary>Datagrams one key seals at most; then the connection is made again, with a new key.</summary>
    public const ulong CountMax = 1UL << 40;

    /// <summary>The associated data after the header: sender id, a zero byte, receiver id.</summary>
    public static byte[] Binding(NodeId sender, NodeId receiver)
    {
        var from = Encoding.UTF8.GetBytes(sender.Value);
        var to = Encoding.UTF8.GetBytes(receiver.Value);
        var binding = new byte[from.Length + 1 + to.Length];
        from.CopyTo(binding, 0);
        to.CopyTo(binding, from.Length + 1);
        return binding;
    }

    public static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
    }

    /// <summary>The associated data of a datagram: its header, then the binding.</summary>
    public static byte[] AssociatedData(ReadOnlySpan<byte> header, byte[] binding)
    {
        var data = new byte[HeaderBytes + binding.Length];
        header[..HeaderBytes].CopyTo(data);
        binding.CopyTo(data, HeaderBytes);
        return data;
    }
}

/// <summary>
/// The sending half of one datagram key: made by the dialler of a peer connection, handed to the listener as a frame
/// on that connection, and used to seal the datagrams this node sends that listener. Thread-safe.
/// </summary>
internal sealed class SendKey : IDisposable
{
    private readonly AesGcm _aead;
    private readonly byte[] _binding;
    private readonly object _gate = new();
    private ulong _next;
    private bool _disposed;

    private SendKey(byte[] id, byte[] key, EndPoint remote, byte[] binding)
    {
        Id = id;
        Key = key;
        Remote = remote;
        _binding = binding;
        _aead = new AesGcm(key, WireProtocol.TagBytes);
    }

    public byte[] Id { get; }

    /// <summary>The key itself, to hand over once on its connection.</summary>
    public byte[] Key { get; }

    /// <summary>Where the datagrams go: the address the peer connection reached.</summary>
    public EndPoint Remote { get; }

    /// <summary>Whether the key has sealed its share (<see cref="DatagramFormat.CountMax"/>): its connection must be made again.</summary>
    public bool Exhausted
    {
        get
        {
            lock (_gate)
            {
                return _next >= DatagramFormat.CountMax;
            }
        }
    }

    /// <summary>A new random key and id for datagrams from <paramref name="self"/> to <paramref name="peer"/> at <paramref name="remote"/>.</summary>
    public static SendKey Create(NodeId self, NodeId peer, EndPoint remote) =>
        From(RandomNumberGenerator.GetBytes(DatagramFormat.KeyIdBytes), RandomNumberGenerator.GetBytes(DatagramFormat.KeyBytes), self, peer, remote);

    /// <summary>A key of the given id and bytes (tests use it to build what an attacker would need).</summary>
    internal static SendKey From(byte[] id, byte[] key, NodeId self, NodeId peer, EndPoint remote) => new(id, key, remote, DatagramFormat.Binding(self, peer));

    /// <summary>The datagram carrying <paramref name="payload"/>, or null when the key is spent or retired.</summary>
    public byte[]? Seal(ReadOnlySpan<byte> payload)
    {
        var datagram = new byte[DatagramFormat.HeaderBytes + payload.Length + WireProtocol.TagBytes];
        BinaryPrimitives.WriteUInt32BigEndian(datagram, DatagramFormat.Magic);
        Id.CopyTo(datagram, 4);
        Span<byte> nonce = stackalloc byte[12];
        lock (_gate)
        {
            if (_disposed || _next >= DatagramFormat.CountMax)
            {
                return null;
            }

            var counter = _next++;
            BinaryPrimitives.WriteUInt64BigEndian(datagram.AsSpan(4 + DatagramFormat.KeyIdBytes), counter);
            DatagramFormat.WriteNonce(nonce, counter);
            var body = datagram.AsSpan(DatagramFormat.HeaderBytes);
            _aead.Encrypt(nonce, payload, body[..payload.Length], body[payload.Length..], DatagramFormat.AssociatedData(datagram, _binding));
        }

        return datagram;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _aead.Dispose();
                CryptographicOperations.ZeroMemory(Key);
            }
        }
    }
}

/// <summary>The receiving half of one datagram key: who it belongs to, its cipher, and its replay window. Thread-safe.</summary>
internal sealed class ReceiveKey : IDisposable
{
    private readonly AesGcm _aead;
    private readonly byte[] _binding;
    private readonly ReplayWindow _window = new();
    private readonly object _gate = new();
    private bool _disposed;

    public ReceiveKey(ulong id, NodeId peer, NodeId self, ReadOnlySpan<byte> key)
    {
        Id = id;
        Peer = peer;
        _binding = DatagramFormat.Binding(peer, self);
        _aead = new AesGcm(key, WireProtocol.TagBytes);
    }

    public ulong Id { get; }

    /// <summary>The node that proved itself on the connection that brought the key: every datagram under it comes from it.</summary>
    public NodeId Peer { get; }

    /// <summary>Opens <paramref name="datagram"/> into <paramref name="plaintext"/>; the outcome says why not.</summary>
    public DatagramOutcome Open(ReadOnlySpan<byte> datagram, Span<byte> plaintext, out int length)
    {
        length = datagram.Length - DatagramFormat.HeaderBytes - WireProtocol.TagBytes;
        var counter = BinaryPrimitives.ReadUInt64BigEndian(datagram[(4 + DatagramFormat.KeyIdBytes)..]);
        Span<byte> nonce = stackalloc byte[12];
        DatagramFormat.WriteNonce(nonce, counter);
        lock (_gate)
        {
            if (_disposed)
            {
                return DatagramOutcome.Stale;
            }

            if (!_window.IsNew(counter))
            {
                return DatagramOutcome.Replayed;
            }

            var body = datagram[DatagramFormat.HeaderBytes..];
            try
            {
                _aead.Decrypt(nonce, body[..length], body[length..], plaintext[..length], DatagramFormat.AssociatedData(datagram, _binding));
            }
            catch (CryptographicException)
            {
                plaintext[..length].Clear();
                return DatagramOutcome.FailedAuthentication;
            }

            _window.Accept(counter);
            return DatagramOutcome.Opened;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _aead.Dispose();
            }
        }
    }
}

/// <summary>What became of a received datagram under its key.</summary>
internal enum DatagramOutcome
{
    Opened,
    Stale,
    Replayed,
    FailedAuthentication,
}
