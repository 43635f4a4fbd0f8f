namespace Halon.Core.Effects;

/// <summary>The Recovery Coordinator of <paramref name="Epoch"/> stopped, for <paramref name="Reason"/>.</summary>
public sealed record CoordinatorStopped(long Epoch, string Reason) : Effect;
