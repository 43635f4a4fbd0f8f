namespace Halon.Core.Protocol;

/// <summary>The answer to an operator command. Repeating a command that already took effect is a success with <see cref="Changed"/> false.</summary>
public sealed record CommandResult(bool Succeeded, bool Changed, string Message)
{
    internal static CommandResult Done(string message) => new(true, true, message);

    internal static CommandResult AlreadyDone(string message) => new(true, false, message);

    internal static CommandResult Refused(string message) => new(false, false, message);
}
