namespace Halon.Core;

/// <summary>A broken invariant inside the core: a bug, never a consequence of bad input.</summary>
public sealed class HalonInvariantException : Exception
{
    public HalonInvariantException(string message)
        : base(message)
    {
    }
}
