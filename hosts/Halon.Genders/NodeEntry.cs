namespace Halon.Genders;

/// <summary>A node and its attributes. Invariant: no attribute name appears twice.</summary>
internal sealed class NodeEntry
{
    private readonly Dictionary<string, Assignment> _byName = new(StringComparer.Ordinal);

    // File order, which is the order nodeattr -l NODE lists them in.
    private readonly List<Assignment> _inOrder = [];

    public NodeEntry(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<Assignment> Assignments => _inOrder;

    /// <summary>Adds <paramref name="assignment"/>, or returns false when the node already has that attribute.</summary>
    public bool TryAdd(Assignment assignment)
    {
        if (!_byName.TryAdd(assignment.Name, assignment))
        {
            return false;
        }

        _inOrder.Add(assignment);
        return true;
    }

    public bool TryGet(string attribute, out Assignment assignment) => _byName.TryGetValue(attribute, out assignment);
}
