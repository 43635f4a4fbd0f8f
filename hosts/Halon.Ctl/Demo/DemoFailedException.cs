namespace Halon.Ctl.Demo;

/// <summary>A step of the demo did not happen in time; the message says which and what was seen.</summary>
internal sealed class DemoFailedException : Exception
{
    public DemoFailedException(string message)
        : base(message)
    {
    }

    public DemoFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
