namespace Sprout.Kernels;

/// <summary>
/// GEMM block sizes, in one place (BLIS's roles). With an MR×NR micro-kernel:
/// KC — depth of one rank-KC update. Every KC slice reads and writes all of C once, so a deep KC saves memory
///      traffic; the KC×NR micro-panel of B (64 KiB at KC = 512, NR = 32) then streams from L2, which the
///      hardware prefetcher keeps ahead of the kernel. Measured on Zen 4: KC 512 beat 192 and 256 by 5–10 %.
/// MC — rows of the packed A block (MC·KC·4 bytes = 192 KiB), kept in L2 (1 MiB per core on Zen 4).
/// NC — columns of the packed B panel (KC·NC·4 bytes), kept in L3.
/// </summary>
internal static class GemmBlocking
{
    public const int KC = 512;
    public const int MC = 96;
    public const int NC = 3072;

    /// <summary>Up to this many rows of op(A), a plain (untransposed) B is read in place instead of packed.</summary>
    public const int InPlaceBMaxRows = 16;

    /// <summary>Multiply–adds below which splitting over threads costs more than it gives.</summary>
    public const long ParallelThreshold = 160L * 160 * 160;
}
