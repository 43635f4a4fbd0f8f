namespace Halon.Genders;

/// <summary>One attribute given to one node, with the value as written (before <c>%n</c> substitution).</summary>
/// <param name="Name">The attribute name; never empty.</param>
/// <param name="RawValue">The value as written, or null when the attribute has none; never empty.</param>
/// <param name="Line">The 1-based line that gave it, for error messages about the value.</param>
internal readonly record struct Assignment(string Name, string? RawValue, int Line);
