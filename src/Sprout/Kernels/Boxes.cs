namespace Sprout.Kernels;

/// <summary>
/// A box of a row-major array: along each axis d, counts[d] elements of dims[d] from starts[d], steps[d] apart. The
/// box's own elements are a dense row-major array of counts[0] × … × counts[^1].
/// </summary>
internal static class Boxes
{
    /// <summary>
    /// Writes the dense <paramref name="box"/> into its place in <paramref name="target"/>: a run of the last axis at a
    /// time where its step is 1, else element by element.
    /// </summary>
    public static void Write(ReadOnlySpan<float> box, ReadOnlySpan<int> dims, ReadOnlySpan<int> starts, ReadOnlySpan<int> counts,
        ReadOnlySpan<int> steps, Span<float> target)
    {
        int rank = dims.Length;
        if (rank == 0)
        {
            target[0] = box[0];
            return;
        }
        int last = rank - 1, run = steps[last] == 1 ? counts[last] : 1, runs = box.Length / run;
        Span<int> at = stackalloc int[rank];   // the box position of the current run (of the last axis: 0 when runs are whole rows)
        for (int r = 0; r < runs; r++)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++) offset = offset * dims[d] + starts[d] + at[d] * steps[d];
            box.Slice(r * run, run).CopyTo(target.Slice(offset, run));
            for (int d = run == 1 ? last : last - 1; d >= 0 && ++at[d] == counts[d]; d--) at[d] = 0;
        }
    }
}
