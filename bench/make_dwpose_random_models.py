#!/usr/bin/python3
"""Random-weight exports of DWPose's two architectures, for bench/bench_pose_models.cpp.

  python3 bench/make_dwpose_random_models.py OUT_DIR

writes OUT_DIR/dwpose/yolox_l.onnx (YOLOX-L: CSPDarknet-53 with Focus stem and SPP, PAFPN,
decoupled head, depth and width 1.0; input [1, 3, 640, 640], output [1, 8400, 85] as the
official export) and OUT_DIR/dwpose/dw-ll_ucoco_384.onnx (RTMPose-l: CSPNeXt-l with channel
attention, RTMCC head with one gated attention unit; input [1, 3, 384, 288], outputs simcc_x
[1, 133, 576] and simcc_y [1, 133, 768]). Written from the published architectures (YOLOX's
yolo_pafpn.py / yolo_head.py, MMPose's CSPNeXt and RTMCCHead); the weights are random, so the
outputs are meaningless and the cost is the networks'. Generated, never committed.
"""
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F


def conv(cin, cout, k=1, s=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut, block):
        super().__init__()
        if block == "cspnext":  # 3x3, then a depthwise-separable 5x5
            self.a, self.b = conv(c, c, 3), nn.Sequential(conv(c, c, 5, groups=c), conv(c, c, 1))
        else:
            self.a, self.b = conv(c, c, 1), conv(c, c, 3)
        self.shortcut = shortcut

    def forward(self, x):
        y = self.b(self.a(x))
        return x + y if self.shortcut else y


class CSPLayer(nn.Module):
    def __init__(self, cin, cout, n, shortcut=True, block="darknet", attention=False):
        super().__init__()
        hidden = cout // 2
        self.main, self.short = conv(cin, hidden, 1), conv(cin, hidden, 1)
        self.blocks = nn.Sequential(*[Bottleneck(hidden, shortcut, block) for _ in range(n)])
        self.attention = nn.Conv2d(2 * hidden, 2 * hidden, 1) if attention else None
        self.final = conv(2 * hidden, cout, 1)

    def forward(self, x):
        y = torch.cat([self.blocks(self.main(x)), self.short(x)], 1)
        if self.attention is not None:
            y = y * F.hardsigmoid(self.attention(y.mean((2, 3), keepdim=True)))
        return self.final(y)


class SPP(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a, self.b = conv(cin, cin // 2, 1), conv(cin // 2 * 4, cout, 1)

    def forward(self, x):
        x = self.a(x)
        return self.b(torch.cat([x] + [F.max_pool2d(x, k, 1, k // 2) for k in (5, 9, 13)], 1))


class YoloxL(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv(12, 64, 3)  # Focus: space-to-depth first
        self.dark2 = nn.Sequential(conv(64, 128, 3, 2), CSPLayer(128, 128, 3))
        self.dark3 = nn.Sequential(conv(128, 256, 3, 2), CSPLayer(256, 256, 9))
        self.dark4 = nn.Sequential(conv(256, 512, 3, 2), CSPLayer(512, 512, 9))
        self.dark5 = nn.Sequential(conv(512, 1024, 3, 2), SPP(1024, 1024), CSPLayer(1024, 1024, 3, False))
        self.lateral0, self.c3_p4 = conv(1024, 512, 1), CSPLayer(1024, 512, 3, False)
        self.reduce1, self.c3_p3 = conv(512, 256, 1), CSPLayer(512, 256, 3, False)
        self.bu2, self.c3_n3 = conv(256, 256, 3, 2), CSPLayer(512, 512, 3, False)
        self.bu1, self.c3_n4 = conv(512, 512, 3, 2), CSPLayer(1024, 1024, 3, False)
        self.stems = nn.ModuleList([conv(c, 256, 1) for c in (256, 512, 1024)])
        self.cls = nn.ModuleList([nn.Sequential(conv(256, 256, 3), conv(256, 256, 3)) for _ in range(3)])
        self.reg = nn.ModuleList([nn.Sequential(conv(256, 256, 3), conv(256, 256, 3)) for _ in range(3)])
        self.cls_pred = nn.ModuleList([nn.Conv2d(256, 80, 1) for _ in range(3)])
        self.reg_pred = nn.ModuleList([nn.Conv2d(256, 4, 1) for _ in range(3)])
        self.obj_pred = nn.ModuleList([nn.Conv2d(256, 1, 1) for _ in range(3)])

    def forward(self, x):
        x = torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], 1)
        c3 = self.dark3(self.dark2(self.stem(x)))
        c4 = self.dark4(c3)
        c5 = self.dark5(c4)
        p5 = self.lateral0(c5)
        f4 = self.c3_p4(torch.cat([F.interpolate(p5, scale_factor=2.0), c4], 1))
        p4 = self.reduce1(f4)
        out3 = self.c3_p3(torch.cat([F.interpolate(p4, scale_factor=2.0), c3], 1))
        out4 = self.c3_n3(torch.cat([self.bu2(out3), p4], 1))
        out5 = self.c3_n4(torch.cat([self.bu1(out4), p5], 1))
        heads = []
        for i, feature in enumerate((out3, out4, out5)):
            f = self.stems[i](feature)
            c, r = self.cls[i](f), self.reg[i](f)
            y = torch.cat([self.reg_pred[i](r), self.obj_pred[i](r).sigmoid(), self.cls_pred[i](c).sigmoid()], 1)
            heads.append(y.flatten(2))
        return torch.cat(heads, 2).permute(0, 2, 1)


class ScaleNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale, self.g = dim ** -0.5, nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x / torch.norm(x, dim=-1, keepdim=True).clamp(min=1e-5) * self.scale * self.g


class Gau(nn.Module):  # RTMCCBlock: one gated attention unit, expansion 2, s = 128
    def __init__(self, dim=256, s=128):
        super().__init__()
        self.e, self.s = dim * 2, s
        self.norm, self.uv, self.o = ScaleNorm(dim), nn.Linear(dim, 2 * self.e + s, bias=False), nn.Linear(self.e, dim, bias=False)
        self.gamma, self.beta = nn.Parameter(torch.rand(2, s)), nn.Parameter(torch.rand(2, s))
        self.res_scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        u, v, base = torch.split(F.silu(self.uv(self.norm(x))), [self.e, self.e, self.s], dim=-1)
        q, k = base.unsqueeze(2).mul(self.gamma).add(self.beta).unbind(2)
        kernel = F.relu(torch.bmm(q, k.transpose(1, 2)) / self.s ** 0.5) ** 2
        return x * self.res_scale + self.o(u * torch.bmm(kernel, v))


class RtmposeL(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 32, 3, 2), conv(32, 32, 3), conv(32, 64, 3))
        stages = []
        for cin, cout, n, spp in ((64, 128, 3, False), (128, 256, 6, False), (256, 512, 6, False), (512, 1024, 3, True)):
            layers = [conv(cin, cout, 3, 2)] + ([SPP(cout, cout)] if spp else [])
            layers.append(CSPLayer(cout, cout, n, shortcut=not spp, block="cspnext", attention=True))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.final = nn.Conv2d(1024, 133, 7, 1, 3)
        self.mlp = nn.Sequential(ScaleNorm(12 * 9), nn.Linear(12 * 9, 256, bias=False))
        self.gau = Gau()
        self.cls_x, self.cls_y = nn.Linear(256, 576, bias=False), nn.Linear(256, 768, bias=False)

    def forward(self, x):
        tokens = self.gau(self.mlp(self.final(self.stages(self.stem(x))).flatten(2)))
        return self.cls_x(tokens), self.cls_y(tokens)


def export(model, shape, path, outputs):
    model.eval()
    torch.manual_seed(30)
    with torch.no_grad():
        torch.onnx.export(model, torch.randn(*shape), path, input_names=["images" if len(outputs) == 1 else "input"],
                          output_names=outputs, opset_version=13)


def main():
    out = os.path.join(sys.argv[1], "dwpose")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(30)
    export(YoloxL(), (1, 3, 640, 640), os.path.join(out, "yolox_l.onnx"), ["output"])
    export(RtmposeL(), (1, 3, 384, 288), os.path.join(out, "dw-ll_ucoco_384.onnx"), ["simcc_x", "simcc_y"])


if __name__ == "__main__":
    main()
