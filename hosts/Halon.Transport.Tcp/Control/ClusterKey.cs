using System.Security.Cryptography;

namespace Halon.Transport.Tcp;

/// <summary>Loads the shared cluster key that every connection must prove knowledge of, and names it by its id.</summary>
public static class ClusterKey
{
    /// <summary>Fewest key bytes accepted: 128 bits.</summary>
    public const int KeyBytesMin = 16;

    /// <summary>Most key bytes accepted; a larger file is most likely the wrong file.</summary>
    public const int KeyBytesMax = 4096;

    /// <summary>
    /// The key's id: 16 hex digits of HKDF-SHA256 over the key with its own label. It names the key in status, logs and
    /// the handshake, and says nothing useful about the key itself (it is a one-way function of it, like every other
    /// derivation from the key); the key never appears anywhere.
    /// </summary>
    public static string Id(ReadOnlySpan<byte> key) => Convert.ToHexStringLower(IdBytes(key));

    /// <summary>The id as it travels in the handshake: <see cref="WireProtocol.KeyIdBytes"/> bytes.</summary>
    internal static byte[] IdBytes(ReadOnlySpan<byte> key)
    {
        var id = new byte[WireProtocol.KeyIdBytes];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, id, salt: "halon key id"u8, info: "halon-v2 key id"u8);
        return id;
    }

    /// <summary>
    /// Reads the key file. Trailing newlines are trimmed, so <c>openssl rand -hex 32 &gt; FILE</c> makes a good key.
    /// Throws <see cref="ClusterKeyException"/> with a one-line message when the file is missing, unreadable, empty,
    /// shorter than <see cref="KeyBytesMin"/> or longer than <see cref="KeyBytesMax"/> bytes.
    /// </summary>
    public static byte[] Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ClusterKeyException(Directory.Exists(path)
                    ? $"cluster key file {path} is a directory"
                    : $"cluster key file {path} does not exist (create one with: openssl rand -hex 32 > {path})");
            }

            if (info.Length > KeyBytesMax + 2)
            {
                throw new ClusterKeyException($"cluster key file {path} holds {info.Length} bytes; at most {KeyBytesMax} are allowed");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException and not ClusterKeyException or UnauthorizedAccessException)
        {
            throw new ClusterKeyException($"cluster key file {path} cannot be read: {e.Message}", e);
        }

        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
        {
            length--;
        }

        if (length == 0)
        {
            throw new ClusterKeyException($"cluster key file {path} is empty (create one with: openssl rand -hex 32 > {path})");
        }

        if (length < KeyBytesMin)
        {
            throw new ClusterKeyException($"cluster key file {path} holds {length} bytes; at least {KeyBytesMin} are needed (create one with: openssl rand -hex 32 > {path})");
        }

        if (length > KeyBytesMax)
        {
            throw new ClusterKeyException($"cluster key file {path} holds {length} bytes; at most {KeyBytesMax} are allowed");
        }

        return bytes.AsSpan(0, length).ToArray();
    }
}
