namespace Sprout.Nn;

public abstract partial class Block
{
    /// <summary>What this block's parameter shapes imply for its feature axis; parameter-free leaves pass it through.</summary>
    internal virtual FeatureFlow Flow => _children.Count == 0 && _params.Count == 0 ? FeatureFlow.PassThrough : FeatureFlow.Opaque;

    /// <summary>Contradictions among this block's own parameter shapes (say, batch norm's gamma of 3 and beta of 5).</summary>
    private protected virtual IEnumerable<string> OwnShapeConflicts(string path) => [];

    /// <summary>Contradictions between consecutive children (a container's own rule; <see cref="Sequential"/> has one).</summary>
    private protected virtual IEnumerable<string> ChainShapeConflicts(string path) => [];

    /// <summary>
    /// Every contradiction among the parameter shapes of this block and its descendants that the layers' own shape
    /// rules can see without an input: within a layer, and between layers run one after another.
    /// </summary>
    internal List<string> ShapeConflicts()
    {
        var conflicts = new List<string>();
        var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance);
        void Visit(Block b, string path)
        {
            if (!seen.Add(b)) return;
            conflicts.AddRange(b.OwnShapeConflicts(path));
            conflicts.AddRange(b.ChainShapeConflicts(path));
            foreach (var (name, child) in b._children) Visit(child, Join(path, name));
        }
        Visit(this, "");
        return conflicts;
    }
}
