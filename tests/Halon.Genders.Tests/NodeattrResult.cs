namespace Halon.Genders.Tests;

/// <summary>The exit code and output of one nodeattr run.</summary>
internal sealed record NodeattrResult(int ExitCode, string Output, string Error)
{
    /// <summary>Standard output split into lines, without the empty string after the final newline.</summary>
    public IReadOnlyList<string> OutputLines =>
        Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
