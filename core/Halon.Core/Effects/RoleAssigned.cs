namespace Halon.Core.Effects;

/// <summary>The node took a role from a command or from its persisted state.</summary>
public sealed record RoleAssigned(NodeRole Role, string Detail) : Effect;
