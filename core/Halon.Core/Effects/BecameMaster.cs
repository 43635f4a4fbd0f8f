namespace Halon.Core.Effects;

/// <summary>This node won the election of <paramref name="Term"/>.</summary>
public sealed record BecameMaster(long Term) : Effect;
