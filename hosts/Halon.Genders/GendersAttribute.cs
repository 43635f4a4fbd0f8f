namespace Halon.Genders;

/// <summary>One attribute of one node, as <c>nodeattr -l NODE</c> lists it.</summary>
/// <param name="Name">The attribute name.</param>
/// <param name="Value">The value with <c>%n</c> and <c>%%</c> substituted, or null for an attribute without a value.</param>
public sealed record GendersAttribute(string Name, string? Value);
