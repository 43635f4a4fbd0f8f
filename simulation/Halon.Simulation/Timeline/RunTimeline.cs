namespace Halon.Simulation.Timeline;

/// <summary>
/// The typed events of one run, simulated or real, with what the picture needs to lay them out: one lane per node in
/// <see cref="Nodes"/> order, a time axis from <see cref="Start"/> to <see cref="End"/> in <see cref="Unit"/>.
/// </summary>
public sealed class RunTimeline
{
    private readonly List<TimelineEvent> _events = [];
    private readonly List<string> _nodes = [];

    public RunTimeline(string title, string unit)
    {
        Title = title;
        Unit = unit;
    }

    /// <summary>Shown above the picture.</summary>
    public string Title { get; }

    /// <summary>The time unit, as the axis names it (<c>tick</c>, <c>ms</c>).</summary>
    public string Unit { get; }

    /// <summary>Where the axis starts.</summary>
    public double Start { get; set; }

    /// <summary>Where the axis ends (the end of the run).</summary>
    public double End { get; set; }

    /// <summary>A line under the title (seed, faults, the replay command).</summary>
    public string? Subtitle { get; set; }

    /// <summary>The lanes, top to bottom.</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>Every event, in the order recorded (which is time order).</summary>
    public IReadOnlyList<TimelineEvent> Events => _events;

    /// <summary>Adds a lane (once).</summary>
    public void AddNode(string node)
    {
        if (!_nodes.Contains(node))
        {
            _nodes.Add(node);
        }
    }

    /// <summary>Records <paramref name="timelineEvent"/>; its node gets a lane.</summary>
    public void Add(TimelineEvent timelineEvent)
    {
        ArgumentNullException.ThrowIfNull(timelineEvent);
        if (timelineEvent.Node is { } node)
        {
            AddNode(node);
        }

        _events.Add(timelineEvent);
        End = Math.Max(End, timelineEvent.At);
    }
}
