 vmulps ymm0, ymm0, ymm5
 vpslld ymm1, ymm6, 8
 vpand ymm1, ymm8, ymm1
 vpslld ymm6, ymm6, 0x10
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm1, ymm1 
 vcvtdq2ps ymm6, ymm6
 vfmadd231ps ymm0, ymm6, ymm4
 vfmadd231ps ymm0, ymm1, ymm3
 vfmadd231ps ymm0, ymm7, ymm2
 cmp ecx, ebx
 jae 0x7ff463f93234
 vbroadcastss ymm1, dword ptr [rdi]
 vfmadd231ps ymm14, ymm0, ymm1
 lea r11, [r10 + 0x40]
 cmp r11, rax
 jae 0x7ff463f93344
 vmovdqu ymm0, ymmword ptr [rdi + 0x40]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 4]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f933bf
 vbroadcastss ymm0, dword ptr [rdi + 4]
 vfmadd231ps ymm13, ymm7, ymm0
 lea r11, [r10 + 0x60]
 cmp r11, rax
 jae 0x7ff463f93443
 vmovdqu ymm0, ymmword ptr [rdi + 0x60]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 8]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f934be
 vbroadcastss ymm0, dword ptr [rdi + 8]
 vfmadd231ps ymm11, ymm7, ymm0
 lea r11, [r10 + 0x80] 
 cmp r11, rax
 jae 0x7ff463f93542
 vmovdqu ymm0, ymmword ptr [rdi + 0x80]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 0xc]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f935bd
 vbroadcastss ymm0, dword ptr [rdi + 0xc]
 vfmadd231ps ymm10, ymm7, ymm0
 lea r11, [r10 + 0xa0]
 cmp r11, rax
 jae 0x7ff463f93641
 vmovdqu ymm0, ymmword ptr [rdi + 0xa0]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 0x10]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f936bc
 vbroadcastss ymm0, dword ptr [rdi + 0x10]
 vfmadd231ps ymm12, ymm7, ymm0
 lea r11, [r10 + 0xc0]
 cmp r11, rax
 jae 0x7ff463f93740
 vmovdqu ymm0, ymmword ptr [rdi + 0xc0]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 0x14]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6 
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f937bb
 vbroadcastss ymm0, dword ptr [rdi + 0x14]
 vfmadd231ps ymm9, ymm7, ymm0
 lea r11, [r10 + 0xe0]
 cmp r11, rax
 jae 0x7ff463f9383f
 vmovdqu ymm0, ymmword ptr [rdi + 0xe0]
 vpand ymm1, ymm8, ymm0
 vcvtdq2ps ymm1, ymm1
 lea r11, [r10 + 0x18]
 vpslld ymm6, ymm0, 8
 vpand ymm6, ymm8, ymm6
 vcvtdq2ps ymm6, ymm6
 vpslld ymm7, ymm0, 0x18
 vpslld ymm0, ymm0, 0x10
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vmulps ymm7, ymm7, ymm5
 vcvtdq2ps ymm0, ymm0
 vfmadd231ps ymm7, ymm0, ymm4
 vfmadd231ps ymm7, ymm6, ymm3
 vfmadd231ps ymm7, ymm1, ymm2
 cmp r11, r13
 jae 0x7ff463f938ba
 vbroadcastss ymm0, dword ptr [rdi + 0x18]
 vmovdqu ymm1, ymmword ptr [rsp + 0x1f8]
 vfmadd231ps ymm1, ymm7, ymm0
 vmovdqu ymmword ptr [rsp + 0x1f8], ymm1
 lea r11, [r10 + 0x100]
 cmp r11, rax
 jae 0x7ff463f9393e
 vmovdqu ymm1, ymmword ptr [rdi + 0x100]
 vpand ymm0, ymm8, ymm1
 add r10, 0x1c
 vcvtdq2ps ymm6, ymm0
 vpslld ymm0, ymm1, 0x18
 vcvtdq2ps ymm0, ymm0
 vmulps ymm5, ymm0, ymm5
 vpslld ymm0, ymm1, 8
 vpand ymm0, ymm8, ymm0
 vpslld ymm1, ymm1, 0x10 
 vpand ymm1, ymm8, ymm1
 vcvtdq2ps ymm0, ymm0
 vcvtdq2ps ymm1, ymm1
 vfmadd231ps ymm5, ymm1, ymm4
 vfmadd231ps ymm5, ymm0, ymm3
 vfmadd231ps ymm5, ymm6, ymm2
 cmp r10, r13
 jae 0x7ff463f939aa
 vbroadcastss ymm1, dword ptr [rdi + 0x1c]
 vmovdqu ymm0, ymm15
 vfmadd231ps ymm0, ymm5, ymm1
 mov r11, qword ptr [r15 + 0x30]
 mov r10d, dword ptr [rsp + 0x1bc]
 inc r10d 
 test dword ptr [r11], eax 
 mov r11d, dword ptr [rsp]
 cmp r11d, 1
 jle 0x7ff463f91737
 movsxd r11, r9d
 movsxd r8, r8d
 lea r9, [r8 + 0x120]
 cmp r9, r11
 jae 0x7ff463f93a04
 mov r9d, dword ptr [rsp]
 shl r9d, 5
 movsxd rdi, r9d
 mov r9d, dword ptr [rsp]
 shl r9d, 8
 movsxd r9, r9d
 add r9, rdi
 lea r8, [r8 + r9 - 0x120]
 cmp r8, r11
 jae 0x7ff463f93a04
 movsxd r8, ebx
 movsxd r11, ecx
 lea rcx, [r11 + 0x120]
 cmp rcx, r8
 jae 0x7ff463f93a04
 lea r11, [r11 + r9 - 0x120]
 cmp r11, r8
 jae 0x7ff463f93a04
 movsxd r10, esi
 mov r11, qword ptr [rsp + 0x1c8]
 lea rbx, [r11 + r10*4]
 mov ecx, 1
 jmp 0x7ff463f92091
 nop
 mov ecx, r9d
 vmovdqu ymmword ptr [rsp + 0x18], ymm0
 mov r9d, ecx
 shl r9d, 5
 vmovups ymm1, ymmword ptr [rbx + r9*4 + 0x70]
 vmovups ymm2, ymmword ptr [rbx + r9*4 + 0x50]
 vmovups ymm3, ymmword ptr [rbx + r9*4 + 0x30]
 vmovups ymm4, ymmword ptr [rbx + r9*4 + 0x10]
 movsxd rdi, ecx
 mov r8, rdi
 shl r8, 5
 add r8, rbp
 shl rdi, 8
 add rdi, r14
 lea r11, [r8 + rdi]
 mov r10, qword ptr [rsp + 0x10]
 add r10, r11
 lea r9, [rdx + r11]
 vmovdqu ymm5, ymmword ptr [r9 + 0x20]
 vbroadcastss ymm6, dword ptr [r9]
 vpand ymm7, ymm8, ymm5
 vpslld ymm0, ymm5, 8
 vpand ymm0, ymm8, ymm0
 vcvtdq2ps ymm7, ymm7
 vcvtdq2ps ymm15, ymm0 
 vpslld ymm0, ymm5, 0x10
 vpand ymm0, ymm8, ymm0
 vpslld ymm5, ymm5, 0x18
 vcvtdq2ps ymm0, ymm0
 vcvtdq2ps ymm5, ymm5
