namespace Sprout.Init;

/// <summary>Weights set to 1.</summary>
public sealed class One() : Constant(1f);
