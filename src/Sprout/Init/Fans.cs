namespace Sprout.Init;

internal static class Fans
{
    public static float Of(FanMode mode, Nn.ParameterInfo info) => mode switch
    {
        FanMode.In => info.FanIn,
        FanMode.Out => info.FanOut,
        _ => (info.FanIn + info.FanOut) / 2f,
    };
}
