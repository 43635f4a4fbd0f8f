namespace Halon.Core.Effects;

/// <summary>Something the host must act on or log, produced in the same batch as the messages it explains.</summary>
public abstract record Effect;
