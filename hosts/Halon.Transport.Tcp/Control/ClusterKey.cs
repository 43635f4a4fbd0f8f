namespace Halon.Transport.Tcp;

/// <summary>Loads the shared cluster key that every connection must prove knowledge of.</summary>
public static class ClusterKey
{
    /// <summary>Fewest key bytes accepted: 128 bits.</summary>
    public const int KeyBytesMin = 16;

    /// <summary>Most key bytes accepted; a larger file is most likely the wrong file.</summary>
    public const int KeyBytesMax = 4096;

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
