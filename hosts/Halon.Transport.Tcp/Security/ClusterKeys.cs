using System.Security.Cryptography;

namespace Halon.Transport.Tcp;

/// <summary>
/// The cluster keys a node holds: the current one, and during a key roll the next one. A node accepts connections
/// made with either, and when it dials it offers the next key first, so that two nodes that both hold the next key
/// use it. Immutable.
/// </summary>
public sealed class ClusterKeys
{
    private readonly Entry[] _offered;

    /// <summary>
    /// Holds <paramref name="current"/> and, if given and different, <paramref name="next"/>. A next key equal to the
    /// current one is dropped (see <see cref="NextIsCurrent"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A key shorter than <see cref="ClusterKey.KeyBytesMin"/> bytes.</exception>
    public ClusterKeys(byte[] current, byte[]? next = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        CheckLength(current, nameof(current));
        var currentEntry = new Entry(current.ToArray(), ClusterKey.IdBytes(current), "current");
        if (next is not null)
        {
            CheckLength(next, nameof(next));
            if (CryptographicOperations.FixedTimeEquals(next, current))
            {
                NextIsCurrent = true;
                next = null;
            }
        }

        _offered = next is null
            ? [currentEntry]
            : [new Entry(next.ToArray(), ClusterKey.IdBytes(next), "next"), currentEntry];
    }

    /// <summary>The current key's id.</summary>
    public string CurrentId => _offered[^1].Id;

    /// <summary>The next key's id, or null outside a key roll.</summary>
    public string? NextId => _offered.Length > 1 ? _offered[0].Id : null;

    /// <summary>Whether a next key was given that equals the current one (and was therefore dropped).</summary>
    public bool NextIsCurrent { get; }

    /// <summary>The keys in the order a dialler offers them: the next key (if any) first.</summary>
    internal IReadOnlyList<Entry> Offered => _offered;

    /// <summary>For logs and messages: <c>key 1a2b3c4d5e6f7081 and next key 9f8e7d6c5b4a3921</c>.</summary>
    public string Describe() => NextId is { } next ? $"key {CurrentId} and next key {next}" : $"key {CurrentId}";

    /// <summary>The key with this wire id, if held.</summary>
    internal Entry? Find(ReadOnlySpan<byte> id)
    {
        foreach (var entry in _offered)
        {
            if (id.SequenceEqual(entry.IdBytes))
            {
                return entry;
            }
        }

        return null;
    }

    private static void CheckLength(byte[] key, string name)
    {
        if (key.Length < ClusterKey.KeyBytesMin)
        {
            throw new ArgumentException($"a cluster key needs at least {ClusterKey.KeyBytesMin} bytes", name);
        }
    }

    /// <summary>One held key, its wire id and its use (<c>current</c> or <c>next</c>).</summary>
    internal sealed class Entry
    {
        private readonly byte[] _pseudoRandomKey;

        public Entry(byte[] key, byte[] idBytes, string use)
        {
            IdBytes = idBytes;
            Id = Convert.ToHexStringLower(idBytes);
            Use = use;
            // HKDF-Extract once per key; every connection then expands from it with its own transcript.
            _pseudoRandomKey = HKDF.Extract(HashAlgorithmName.SHA256, key, "halon-v2"u8.ToArray());
        }

        public byte[] IdBytes { get; }

        public string Id { get; }

        public string Use { get; }

        /// <summary>HKDF-Expand of this key's PRK with <paramref name="label"/> and <paramref name="transcriptHash"/> as info.</summary>
        public byte[] Expand(ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash)
        {
            Span<byte> info = stackalloc byte[label.Length + transcriptHash.Length];
            label.CopyTo(info);
            transcriptHash.CopyTo(info[label.Length..]);
            var output = new byte[32];
            HKDF.Expand(HashAlgorithmName.SHA256, _pseudoRandomKey, output, info);
            return output;
        }
    }
}
