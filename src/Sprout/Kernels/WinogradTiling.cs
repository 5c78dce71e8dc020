namespace Sprout.Kernels;

/// <summary>
/// The tiling of Winograd's minimal filtering F(m×m, 3×3) (Lavin and Gray, 2016): Y = Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A per
/// tile, d an α×α input tile (α = m + 2, overlapping its neighbours by 2), g the 3×3 filter, Y its m×m outputs. The
/// transforms themselves are written out by hand for each tiling (<see cref="Winograd"/>).
/// </summary>
internal sealed class WinogradTiling
{
    private WinogradTiling(int size) => Size = size;

    /// <summary>F(2×2, 3×3): 16 products per 2×2 outputs, where the direct algorithm does 36.</summary>
    public static WinogradTiling Two { get; } = new(2);

    /// <summary>F(4×4, 3×3): 36 products per 4×4 outputs, where the direct algorithm does 144.</summary>
    public static WinogradTiling Four { get; } = new(Winograd.LargeTile);

    /// <summary>Outputs per tile side, m.</summary>
    public int Size { get; }

    /// <summary>Input tile side, α = m + 2.</summary>
    public int Span => Size + 2;

    /// <summary>Positions ξ of a transformed tile, α²: one GEMM each.</summary>
    public int Positions => Span * Span;

    /// <summary>Tiles along a side of <paramref name="length"/> pixels (the last one partly outside when m does not divide it).</summary>
    public int Tiles(int length) => (length + Size - 1) / Size;
}
