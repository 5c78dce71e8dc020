namespace Sprout.Nn;

/// <summary>
/// Remembers, for the outermost forward pass on this thread, each parameter's state before the pass first changed
/// it (refined a shape, filled it). If the pass throws, everything is put back: a failed first forward leaves the
/// network exactly as it was, and can be retried with the right input.
/// </summary>
internal sealed class ForwardJournal
{
    [ThreadStatic] private static ForwardJournal? t_current;

    private readonly List<(Parameter Parameter, Parameter.Snapshot Before)> _entries = [];
    private readonly HashSet<Parameter> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Opens a journal unless one is already open on this thread; returns the one opened, or null.</summary>
    public static ForwardJournal? Begin()
    {
        if (t_current is not null) return null;
        return t_current = new ForwardJournal();
    }

    /// <summary>Records the parameter's state before its first change in the current pass (if a journal is open).</summary>
    public static void Note(Parameter p)
    {
        var journal = t_current;
        if (journal is not null && journal._seen.Add(p)) journal._entries.Add((p, p.Capture()));
    }

    /// <summary>Keeps the changes and closes the journal.</summary>
    public void Commit() => t_current = null;

    /// <summary>Undoes every recorded change, newest first, and closes the journal.</summary>
    public void Rollback()
    {
        for (int i = _entries.Count - 1; i >= 0; i--) _entries[i].Parameter.Restore(_entries[i].Before);
        t_current = null;
    }
}
