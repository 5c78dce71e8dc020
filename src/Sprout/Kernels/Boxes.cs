namespace Sprout.Kernels;

/// <summary>
/// A box of a row-major array: along each axis d the elements [starts[d], starts[d] + counts[d]) of dims[d]. The box's
/// own elements are a dense row-major array of counts[0] × … × counts[^1].
/// </summary>
internal static class Boxes
{
    /// <summary>Writes the dense <paramref name="box"/> into its place in <paramref name="target"/>, one run of the last axis at a time.</summary>
    public static void Write(ReadOnlySpan<float> box, ReadOnlySpan<int> dims, ReadOnlySpan<int> starts, ReadOnlySpan<int> counts, Span<float> target)
    {
        int rank = dims.Length;
        if (rank == 0)
        {
            target[0] = box[0];
            return;
        }
        int run = counts[rank - 1], runs = box.Length / run;
        Span<int> at = stackalloc int[rank];   // the box position of the current run; its last axis stays 0
        for (int r = 0; r < runs; r++)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++) offset = offset * dims[d] + starts[d] + at[d];
            box.Slice(r * run, run).CopyTo(target.Slice(offset, run));
            for (int d = rank - 2; d >= 0 && ++at[d] == counts[d]; d--) at[d] = 0;
        }
    }
}
