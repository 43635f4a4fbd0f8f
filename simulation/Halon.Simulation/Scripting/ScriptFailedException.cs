namespace Halon.Simulation.Scripting;

/// <summary>A script failed: a bad line, a failed expectation or assertion, or an invariant violation. <see cref="Output"/> is everything it printed.</summary>
public sealed class ScriptFailedException : InvalidOperationException
{
    public ScriptFailedException()
    {
        Output = [];
    }

    public ScriptFailedException(string message)
        : base(message)
    {
        Output = [];
    }

    public ScriptFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Output = [];
    }

    public ScriptFailedException(string message, IReadOnlyList<string> output, Exception? innerException = null)
        : base(message, innerException)
    {
        Output = output.ToArray();
    }

    /// <summary>Every line the script printed up to the failure, the violations included.</summary>
    public IReadOnlyList<string> Output { get; }
}
