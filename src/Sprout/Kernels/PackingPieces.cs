namespace Sprout.Kernels;

/// <summary>
/// How an operand packed once (<see cref="PackedLeft"/>, <see cref="PackedRight"/>) is split over the threads: into its
/// KC slices of depth, and each slice into runs of whole panels, all independent. A deep operand has slices enough; a
/// shallow one (a transposed 512-channel filter bank is a single slice 512 deep) needs its panels split, or one thread
/// packs all of it while the others wait.
/// </summary>
internal static class PackingPieces
{
    /// <summary>Packs the part [<paramref name="from"/>, <paramref name="to"/>) of the panels' extent in the slice starting at depth <paramref name="p0"/>.</summary>
    public delegate void Piece(int p0, int kc, int from, int to);

    /// <summary>
    /// Runs <paramref name="piece"/> over the threads for every slice of depth <paramref name="k"/> (the GEMM's
    /// <see cref="Gemm.KcBlock"/>) and every run of panels <paramref name="width"/> wide along <paramref name="extent"/>.
    /// </summary>
    public static void Run(int k, int extent, int width, Piece piece)
    {
        int kcBlock = Gemm.KcBlock(k), slices = (k + kcBlock - 1) / kcBlock, panels = (extent + width - 1) / width;
        int pieces = Math.Min(panels, Math.Max(1, 4 * Threads.Count / slices));
        WorkerPool.ForRanges(slices * pieces, (long)k * extent, (first, end) =>
        {
            for (int item = first; item < end; item++)
            {
                int p0 = item / pieces * kcBlock, part = item % pieces;
                int from = panels * part / pieces * width, to = Math.Min(extent, panels * (part + 1) / pieces * width);
                if (to > from) piece(p0, Math.Min(kcBlock, k - p0), from, to);
            }
        });
    }
}
