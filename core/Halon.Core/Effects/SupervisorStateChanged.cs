namespace Halon.Core.Effects;

/// <summary>The supervisor moved from one state to another in <paramref name="Term"/>, for <paramref name="Reason"/>.</summary>
public sealed record SupervisorStateChanged(SupervisorState From, SupervisorState To, long Term, string Reason) : Effect;
