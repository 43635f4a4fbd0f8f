namespace Halon.Core.Identity;

/// <summary>
/// A node's identity: its advertised <c>host:port</c>. Equality is ordinal on the text; the hash is computed once
/// because node ids are dictionary keys on every message path.
/// </summary>
public sealed class NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    /// <summary>Longest accepted id, in characters (a DNS name of 253 characters plus <c>:65535</c>).</summary>
    public const int LengthMax = 260;

    private readonly int _hash;

    private NodeId(string value)
    {
        Value = value;
        _hash = StringComparer.Ordinal.GetHashCode(value);
    }

    /// <summary>The <c>host:port</c> text.</summary>
    public string Value { get; }

    /// <summary>
    /// A hash of the text that is the same in every process (FNV-1a), unlike <see cref="GetHashCode"/>, which .NET
    /// randomises per process. Use it wherever the value can influence protocol behaviour.
    /// </summary>
    public ulong StableHash
    {
        get
        {
            var hash = 14695981039346656037UL;
            foreach (var c in Value)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash;
        }
    }

    /// <summary>Parses <c>host:port</c>, or throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static NodeId Parse(string text)
    {
        if (!TryParse(text, out var id, out var error))
        {
            throw new FormatException(error);
        }

        return id;
    }

    /// <summary>Parses <c>host:port</c>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeId? id, out string error)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a node address is empty; expected HOST:PORT";
            return false;
        }

        text = text.Trim();
        if (text.Length > LengthMax)
        {
            error = $"node address '{text[..32]}…' is longer than {LengthMax} characters";
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"node address '{text}' is not HOST:PORT";
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') != host.EndsWith(']'))
        {
            error = $"node address '{text}' has an unbalanced IPv6 bracket";
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"node address '{text}' has a port outside 1..65535";
            return false;
        }

        foreach (var c in host)
        {
            if (char.IsWhiteSpace(c) || c == ',' || char.IsControl(c))
            {
                error = $"node address '{text}' contains a space, a comma or a control character";
                return false;
            }
        }

        id = new NodeId(text);
        error = string.Empty;
        return true;
    }

    /// <summary>The host part of <c>host:port</c>.</summary>
    public string Host => Value[..Value.LastIndexOf(':')];

    /// <summary>The port part of <c>host:port</c>.</summary>
    public int Port => int.Parse(Value.AsSpan(Value.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(NodeId? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && string.Equals(Value, other.Value, StringComparison.Ordinal)));

    public override bool Equals(object? obj) => Equals(obj as NodeId);

    public override int GetHashCode() => _hash;

    public int CompareTo(NodeId? other) => other is null ? 1 : string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value;

    public static bool operator ==(NodeId? left, NodeId? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(NodeId? left, NodeId? right) => !(left == right);

    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}
