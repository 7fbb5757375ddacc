-- A provincial personnel system of the 2000s, Vietnamese column names (sandbox, synthetic).
-- Dates are text 'dd/mm/yyyy' as the old forms printed them; ethnic groups use the OTHER
-- ordering of the codes (04 Mường, 06 Hoa); religions are written out by name; a row is never
-- deleted but flagged (da_xoa); ngay_cap_nhat is set by the application on every change.

CREATE TABLE don_vi (
    ma_don_vi          varchar(35) PRIMARY KEY,
    ten_don_vi         text NOT NULL,
    ma_don_vi_cha      varchar(35),
    cap                text NOT NULL,
    trang_thai         text NOT NULL,
    ngay_thay_doi      varchar(10),
    ma_don_vi_ke_thua  varchar(35)
);

CREATE TABLE can_bo (
    ma_can_bo          varchar(12) PRIMARY KEY,
    so_dinh_danh       varchar(12) NOT NULL,
    ho_ten             text NOT NULL,
    gioi_tinh          text,
    ngay_sinh          varchar(10),
    noi_sinh           text,
    que_quan           text,
    ma_dan_toc         varchar(2),
    ton_giao           text,
    thuong_tru         text,
    cho_o_hien_nay     text,
    loai_can_bo        text,
    trang_thai         text,
    ngay_tuyen_dung    varchar(10),
    don_vi             varchar(35) REFERENCES don_vi (ma_don_vi),
    chuc_vu            varchar(16),
    vi_tri_viec_lam    text,
    ngach              varchar(16),
    ma_thang_luong     varchar(8),
    bac_luong          smallint,
    he_so_luong        numeric(4, 2),
    ngay_huong_luong   varchar(10),
    trinh_do_chuyen_mon text,
    ly_luan_chinh_tri  text,
    ngay_vao_dang      varchar(10),
    da_xoa             boolean NOT NULL DEFAULT false,
    ngay_cap_nhat      timestamp(0) NOT NULL
);
CREATE INDEX ix_can_bo_cap_nhat ON can_bo (ngay_cap_nhat, ma_can_bo);
CREATE UNIQUE INDEX ix_can_bo_dinh_danh ON can_bo (so_dinh_danh);

CREATE TABLE qua_trinh_cong_tac (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    tu_ngay   varchar(10),
    den_ngay  varchar(10),
    don_vi    text,
    chuc_vu   text
);
CREATE TABLE qua_trinh_luong (
    id         serial PRIMARY KEY,
    ma_can_bo  varchar(12) NOT NULL REFERENCES can_bo,
    ngay_huong varchar(10),
    ngach      varchar(16),
    bac        smallint,
    he_so      numeric(4, 2)
);
CREATE TABLE dao_tao_boi_duong (
    id            serial PRIMARY KEY,
    ma_can_bo     varchar(12) NOT NULL REFERENCES can_bo,
    tu_ngay       varchar(10),
    den_ngay      varchar(10),
    co_so_dao_tao text,
    chuyen_nganh  text,
    van_bang      text
);
CREATE TABLE khen_thuong (
    id             serial PRIMARY KEY,
    ma_can_bo      varchar(12) NOT NULL REFERENCES can_bo,
    nam            smallint,
    hinh_thuc      text,
    cap_quyet_dinh text
);
CREATE TABLE ky_luat (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    ngay      varchar(10),
    hinh_thuc text,
    ly_do     text
);
CREATE TABLE danh_gia (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    nam       smallint,
    xep_loai  text
);
CREATE TABLE quan_he_gia_dinh (
    id          serial PRIMARY KEY,
    ma_can_bo   varchar(12) NOT NULL REFERENCES can_bo,
    quan_he     text,
    ho_ten      text,
    nam_sinh    smallint,
    nghe_nghiep text
);

-- Mô-đun "Hồ sơ 2C" added in 2021 for the electronic dossier: one table per list of the CV
-- form, keyed by ma_can_bo, dates as dd/mm/yyyy text like the rest, codes written out in
-- Vietnamese as the CV form prints them.
CREATE TABLE hs_quan_he_gia_dinh (
    id          serial PRIMARY KEY,
    ma_can_bo   varchar(12) NOT NULL REFERENCES can_bo,
    quan_he     text,          -- Bố đẻ, Mẹ đẻ, Vợ, Chồng, Con, Anh chị em ruột, Bố vợ, ...
    ho_ten      text,
    nam_sinh    smallint,
    nghe_nghiep text,
    noi_cong_tac text,
    noi_o       text
);
CREATE INDEX ix_hs_quan_he_gia_dinh ON hs_quan_he_gia_dinh (ma_can_bo);
CREATE TABLE hs_lich_su_ban_than (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    tu_ngay   varchar(10),
    den_ngay  varchar(10),
    lam_gi    text,
    o_dau     text
);
CREATE INDEX ix_hs_lich_su_ban_than ON hs_lich_su_ban_than (ma_can_bo);
CREATE TABLE hs_dao_tao (
    id            serial PRIMARY KEY,
    ma_can_bo     varchar(12) NOT NULL REFERENCES can_bo,
    loai          text,        -- Chuyên môn, Lý luận chính trị, Quản lý nhà nước, ...
    co_so_dao_tao text,
    chuyen_nganh  text,
    van_bang      text,
    tu_ngay       varchar(10),
    den_ngay      varchar(10)
);
CREATE INDEX ix_hs_dao_tao ON hs_dao_tao (ma_can_bo);
CREATE TABLE hs_khen_thuong (
    id             serial PRIMARY KEY,
    ma_can_bo      varchar(12) NOT NULL REFERENCES can_bo,
    ngay_quyet_dinh varchar(10),
    hinh_thuc      text,
    cap_quyet_dinh text,
    so_quyet_dinh  text
);
CREATE INDEX ix_hs_khen_thuong ON hs_khen_thuong (ma_can_bo);
CREATE TABLE hs_ky_luat (
    id              serial PRIMARY KEY,
    ma_can_bo       varchar(12) NOT NULL REFERENCES can_bo,
    ngay_quyet_dinh varchar(10),
    hinh_thuc       text,      -- Khiển trách, Cảnh cáo, Hạ bậc lương, ...
    ly_do           text,
    cap_quyet_dinh  text,
    het_hieu_luc    varchar(10)
);
CREATE INDEX ix_hs_ky_luat ON hs_ky_luat (ma_can_bo);
CREATE TABLE hs_phu_cap (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    loai      text,            -- Phụ cấp chức vụ, Phụ cấp trách nhiệm, ...
    he_so     numeric(4, 2),
    ty_le     smallint,
    tu_ngay   varchar(10),
    den_ngay  varchar(10)
);
CREATE INDEX ix_hs_phu_cap ON hs_phu_cap (ma_can_bo);
CREATE TABLE hs_danh_gia_nam (
    id        serial PRIMARY KEY,
    ma_can_bo varchar(12) NOT NULL REFERENCES can_bo,
    nam       smallint,
    xep_loai  text
);
CREATE INDEX ix_hs_danh_gia_nam ON hs_danh_gia_nam (ma_can_bo);
CREATE TABLE hs_quan_ngu (
    id           serial PRIMARY KEY,
    ma_can_bo    varchar(12) NOT NULL REFERENCES can_bo,
    ngay_nhap_ngu varchar(10),
    ngay_xuat_ngu varchar(10),
    quan_ham     text,
    don_vi       text
);
CREATE INDEX ix_hs_quan_ngu ON hs_quan_ngu (ma_can_bo);
CREATE TABLE hs_ke_khai_tai_san (
    id          serial PRIMARY KEY,
    ma_can_bo   varchar(12) NOT NULL REFERENCES can_bo,
    nam         smallint,
    tong_thu_nhap numeric(16, 0),
    nha_o       text,
    dat         text,
    tai_san_khac text
);
CREATE INDEX ix_hs_ke_khai_tai_san ON hs_ke_khai_tai_san (ma_can_bo);
CREATE TABLE hs_suc_khoe (
    id         serial PRIMARY KEY,
    ma_can_bo  varchar(12) NOT NULL REFERENCES can_bo,
    ngay_kham  varchar(10),
    phan_loai  text,           -- Loại I .. Loại V
    chieu_cao  smallint,
    can_nang   numeric(5, 1),
    nhom_mau   varchar(2)
);
CREATE INDEX ix_hs_suc_khoe ON hs_suc_khoe (ma_can_bo);
