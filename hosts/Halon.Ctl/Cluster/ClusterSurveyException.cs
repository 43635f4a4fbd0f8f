namespace Halon.Ctl.Cluster;

/// <summary>A cluster-wide status could not start: no node given knows a station. The message says what each answered.</summary>
internal sealed class ClusterSurveyException : Exception
{
    public ClusterSurveyException(string message)
        : base(message)
    {
    }

    public ClusterSurveyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
