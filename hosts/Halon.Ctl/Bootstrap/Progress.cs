namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Where a wait stands: <see cref="Done"/>, and a line that says what was reached or exactly what is still missing.
/// </summary>
internal sealed record Progress(bool Done, string Line);
