namespace Sprout.Init;

/// <summary>Which fan scales a variance-preserving initializer.</summary>
public enum FanMode
{
    /// <summary>Inputs per output unit (in·Πkernel): preserves the forward signal.</summary>
    In,
    /// <summary>Outputs per input unit (out·Πkernel): preserves the backward signal.</summary>
    Out,
    /// <summary>The mean of both (Glorot and Bengio).</summary>
    Avg,
}
