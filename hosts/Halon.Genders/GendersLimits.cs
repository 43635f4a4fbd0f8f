namespace Halon.Genders;

/// <summary>
/// Every bound the genders reader enforces, in one place. Names end with their unit.
/// Where libgenders has the same bound, the value is libgenders' so that a file <c>nodeattr -k</c> accepts is not
/// rejected here; the rest keep a hostile or mistaken file from using unbounded memory.
/// </summary>
public static class GendersLimits
{
    /// <summary>Largest genders file, in bytes. libgenders has no file bound; a real cluster's file is a few hundred KiB.</summary>
    public const int FileBytesMax = 16 * 1024 * 1024;

    /// <summary>
    /// Longest line, in UTF-8 bytes, not counting the newline. This is libgenders' bound (a 64 KiB read buffer, less the
    /// newline and the terminating NUL); libgenders allows one byte more on a last line that has no newline.
    /// </summary>
    public const int LineBytesMax = 65_533;

    /// <summary>Longest node name after range expansion, in UTF-8 bytes (libgenders' <c>GENDERS_MAXHOSTNAMELEN</c>).</summary>
    public const int NodeNameBytesMax = 64;

    /// <summary>Most nodes one <c>lo-hi</c> range may expand to (libgenders' hostlist <c>MAX_RANGE</c>).</summary>
    public const int RangeNodesMax = 16_384;

    /// <summary>Most comma-separated items between one pair of brackets (libgenders' hostlist <c>MAX_RANGES</c>).</summary>
    public const int RangeItemsMax = 10_240;

    /// <summary>Most nodes one host list expression may expand to. libgenders has no such bound.</summary>
    public const int ExpressionNodesMax = 262_144;

    /// <summary>Most distinct nodes in one genders file. libgenders has no such bound.</summary>
    public const int NodesMax = 262_144;

    /// <summary>Most node-attribute pairs in one genders file. libgenders has no such bound.</summary>
    public const int AssignmentsMax = 1_048_576;
}
