namespace Sprout.Nn;

/// <summary>
/// Remembers, for the outermost forward pass on this thread, each parameter's state before the pass first changed
/// it (refined a shape, filled it, or updated its values in place, as batch norm's running statistics). If the pass
/// throws, everything is put back: a failed forward leaves the network exactly as it was, and can be retried.
/// </summary>
/// <remarks>
/// Lifecycle changes (refine, fill, set) are provisional until the pass commits. The pass that makes one holds one
/// process-wide lifecycle lock until it commits or rolls back, and every other pass that meets an unfilled or
/// provisional parameter takes that lock first (<see cref="IsUnsettled"/>), so it waits for the first pass to finish. So no pass ever computes with a fill that a failing pass will
/// take back, and a fill that is taken back is kept for the next fill of the same recipe (the initializer runs once).
/// Lock order: the lifecycle lock, then a parameter's own lock.
/// </remarks>
internal sealed class ForwardJournal
{
    private static readonly object s_lifecycle = new();

    private readonly List<(ParameterSlot Slot, ParameterSlot.Snapshot Before)> _entries = [];
    private readonly HashSet<ParameterSlot> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ParameterSlot> _valuesSeen = new(ReferenceEqualityComparer.Instance);
    private bool _holdsLifecycle;

    /// <summary>The journal open on this thread, if any.</summary>
    public static ForwardJournal? Current => ForwardContext.Current.Journal;

    /// <summary>Opens a journal unless one is already open on this thread; returns the one opened, or null.</summary>
    public static ForwardJournal? Begin()
    {
        var context = ForwardContext.Current;
        if (context.Journal is not null) return null;
        return context.Journal = new ForwardJournal();
    }

    /// <summary>
    /// Call before a lifecycle change to a parameter and before taking its lock: within a journal, takes the
    /// lifecycle lock (kept until the journal closes) so that only one pass at a time holds provisional changes.
    /// </summary>
    public static void EnterLifecycle()
    {
        var journal = Current;
        if (journal is null || journal._holdsLifecycle) return;
        Monitor.Enter(s_lifecycle);
        journal._holdsLifecycle = true;
    }

    /// <summary>Records the parameter's state before its first lifecycle change in the current pass (if a journal is open).</summary>
    public static void Note(ParameterSlot p)
    {
        var journal = Current;
        if (journal is null || !journal._seen.Add(p)) return;
        journal._entries.Add((p, p.Capture(withValues: p.IsInitialized)));   // SetData overwrites filled values in place
        p.ProvisionalOwner = journal;
    }

    /// <summary>Records the parameter's values before an in-place update in the current pass (if a journal is open).</summary>
    public static void NoteValues(Parameter parameter)
    {
        var p = parameter.Slot;
        var journal = Current;
        if (journal is null || journal._seen.Contains(p) || !journal._valuesSeen.Add(p)) return;
        journal._entries.Add((p, p.Capture(withValues: true)));
    }

    /// <summary>
    /// Whether a pass must take the lifecycle lock before it reads <paramref name="p"/>: it is not filled yet (this pass
    /// may fill it), or another pass holds a provisional change to it (which that pass may yet take back). A filled,
    /// settled parameter stays so, so steady-state passes never take the lock.
    /// </summary>
    public static bool IsUnsettled(Parameter p) =>
        !p.IsInitialized || (p.Slot.ProvisionalOwner is { } owner && owner != Current);

    /// <summary>Keeps the changes and closes the journal.</summary>
    public void Commit() => Close();

    /// <summary>Undoes every recorded change, newest first, and closes the journal.</summary>
    public void Rollback()
    {
        for (int i = _entries.Count - 1; i >= 0; i--) _entries[i].Slot.Restore(_entries[i].Before);
        Close();
    }

    private void Close()
    {
        foreach (var (p, _) in _entries)
            if (p.ProvisionalOwner == this) p.ProvisionalOwner = null;
        ForwardContext.Current.Journal = null;
        if (_holdsLifecycle)
        {
            _holdsLifecycle = false;
            Monitor.Exit(s_lifecycle);
        }
    }
}
