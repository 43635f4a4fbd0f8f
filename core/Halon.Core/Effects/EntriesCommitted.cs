namespace Halon.Core.Effects;

/// <summary>The commit index advanced from <paramref name="FromIndex"/> to <paramref name="ToIndex"/>.</summary>
public sealed record EntriesCommitted(long FromIndex, long ToIndex) : Effect;
