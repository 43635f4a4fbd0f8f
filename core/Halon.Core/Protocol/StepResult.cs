namespace Halon.Core.Protocol;

/// <summary>
/// What became of one input message. A dropped message is not an error of the core: it is logged by the host and
/// counted by the simulator. <see cref="DropCategory"/> classifies the reason for counting.
/// </summary>
public readonly record struct StepResult(bool Accepted, string? DropReason, DropCategory DropCategory = DropCategory.None)
{
    /// <summary>The message was handled.</summary>
    public static StepResult Handled => new(true, null);

    /// <summary>The message was dropped for <paramref name="reason"/>.</summary>
    public static StepResult Dropped(string reason) => new(false, reason, DropCategory.Other);

    /// <summary>The message was dropped for <paramref name="reason"/>, of <paramref name="category"/>.</summary>
    public static StepResult Dropped(string reason, DropCategory category) => new(false, reason, category);
}
