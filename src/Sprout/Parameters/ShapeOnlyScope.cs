namespace Sprout.Nn;

/// <summary>
/// While active on a thread, forward passes only infer shapes: unfilled parameters whose shape is known read as
/// meta tensors and nothing is filled. <c>Block.Summary</c> runs in one and then rolls the shapes back.
/// </summary>
internal readonly struct ShapeOnlyScope : IDisposable
{
    public static bool IsActive => ForwardContext.Current.ShapeOnlyDepth > 0;

    public static ShapeOnlyScope Enter()
    {
        ForwardContext.Current.ShapeOnlyDepth++;
        return default;
    }

    public void Dispose() => ForwardContext.Current.ShapeOnlyDepth--;
}
