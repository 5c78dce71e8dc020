namespace Sprout.Nn;

/// <summary>
/// While active on a thread, forward passes only infer shapes: unfilled parameters whose shape is known read as
/// meta tensors and nothing is filled. <see cref="Block.Summary"/> runs in one and then rolls the shapes back.
/// </summary>
internal readonly struct ShapeOnlyScope : IDisposable
{
    [ThreadStatic] private static int t_depth;

    public static bool IsActive => t_depth > 0;

    public static ShapeOnlyScope Enter()
    {
        t_depth++;
        return default;
    }

    public void Dispose() => t_depth--;
}
