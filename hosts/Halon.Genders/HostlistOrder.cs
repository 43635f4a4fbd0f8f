namespace Halon.Genders;

/// <summary>
/// The order <c>nodeattr -n ATTR</c> prints nodes in. nodeattr pushes the matching nodes, in the order they were
/// given the attribute (and <c>nodeattr -n -A</c> all nodes in file order), into a libgenders hostlist, which merges
/// consecutive numbers into runs (<see cref="HostlistRun"/>); it then sorts the runs by their first name and prints
/// each run in turn. So the result is sorted by prefix and number (<c>n9</c> before <c>n10</c>), except that a run
/// keeps its later names together: pushed as <c>n7 n8 n9 n10 n02</c>, nodeattr prints <c>n7 n8 n9 n10 n02</c>, but
/// pushed as <c>n10 n7 n8 n9 n02</c>, it prints <c>n7 n8 n9 n02 n10</c>.
/// </summary>
/// <remarks>
/// Checked against nodeattr 1.22 on random files. One deliberate difference: hostlist compares numbers through a
/// difference truncated to a C <c>int</c> and stores them saturated at 2^64 - 1, so for numbers that far apart its
/// order (and the names it prints) can be wrong; here runs compare their numbers exactly and names print as written.
/// </remarks>
internal static class HostlistOrder
{
    /// <summary>Sorts <paramref name="nodesInPushOrder"/>, which must be distinct, into nodeattr's order.</summary>
    public static List<string> Sort(IEnumerable<string> nodesInPushOrder)
    {
        var runs = new List<HostlistRun>();
        foreach (var node in nodesInPushOrder)
        {
            var run = HostlistRun.Start(node);
            if (runs.Count == 0 || !runs[^1].TryAppend(run))
            {
                runs.Add(run);
            }
        }

        // Distinct names never make two runs compare equal, so the sort's stability does not matter.
        runs.Sort(HostlistRun.Compare);
        var sorted = new List<string>();
        foreach (var run in runs)
        {
            sorted.AddRange(run.Names);
        }

        return sorted;
    }
}
